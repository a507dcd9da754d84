/**
 * Two independent judges of a rendered card: the `adaptivecards` package's own parser (what Web Chat renders
 * with) and, when ../shared is present, the official 1.5.0 JSON schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';

interface ParseEvent {
  readonly phase: number;
  readonly event: number;
  readonly message: string;
}

interface AdaptiveCardsModule {
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { validationEvents: ParseEvent[] };
  };
  SerializationContext: new () => { readonly eventCount: number; getEventAt(index: number): ParseEvent };
}

// `require('adaptivecards')` resolves to a broken ESM build in Node; the UMD bundle parses without a DOM.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const adaptiveCards = require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;

/** Every finding of the parser, at parse time and from validateProperties(); empty means the card is sound. */
export function adaptiveCardsFindings(card: unknown): string[] {
  const context = new adaptiveCards.SerializationContext();
  const parsed = new adaptiveCards.AdaptiveCard();
  parsed.parse(card, context);
  const findings: string[] = [];
  for (let index = 0; index < context.eventCount; index++) findings.push(`parse: ${context.getEventAt(index).message}`);
  for (const event of parsed.validateProperties().validationEvents) findings.push(`validate: ${event.message}`);
  return findings;
}

export const ADAPTIVE_CARD_SCHEMA_PATH = path.resolve(__dirname, '../../../shared/schemas/adaptive-card/1.5.0.json');

export interface SchemaJudge {
  /** One line per mistake: typed objects are re-checked against their own definition to avoid anyOf noise. */
  findings(card: unknown): string[];
}

/** Undefined when the reference schema is not on this machine. */
export function loadSchemaJudge(): SchemaJudge | undefined {
  if (!fs.existsSync(ADAPTIVE_CARD_SCHEMA_PATH)) return undefined;
  const schema = JSON.parse(fs.readFileSync(ADAPTIVE_CARD_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  // The file is draft-06 with a draft-04 style `id`; ajv 8 only reads `$id` (see ../shared/schemas/README.md).
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06MetaSchema);
  addFormats(ajv);
  ajv.addSchema(schema);
  const id = String(schema.$id);
  const whole = ajv.getSchema(id) as ValidateFunction;
  const definitions = new Set(Object.keys(schema.definitions as object));
  const byType = (type: string) => ajv.getSchema(`${id}#/definitions/${type}`) as ValidateFunction;

  return {
    findings(card) {
      if (whole(card)) return [];
      const lines: string[] = [];
      visitTyped(card, '', (node, at) => {
        const type = String(node.type);
        if (!definitions.has(type)) {
          lines.push(`${at || '/'}: unknown type "${type}"`);
          return;
        }
        const check = byType(type);
        if (!check(node)) {
          for (const error of check.errors ?? [])
            lines.push(`${at}${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
        }
      });
      return lines.length > 0 ? lines : ['schema rejected the card, but no typed object was at fault'];
    },
  };
}

function visitTyped(node: unknown, at: string, visit: (node: Record<string, unknown>, at: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => visitTyped(item, `${at}/${index}`, visit));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.type === 'string') visit(record, at);
  for (const [key, value] of Object.entries(record)) if (key !== 'data') visitTyped(value, `${at}/${key}`, visit);
}
