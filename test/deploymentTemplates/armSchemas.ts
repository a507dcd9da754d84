/**
 * Validates templates and parameters files against the Azure reference schemas in ../shared/schemas/arm
 * (draft-04, Azure/azure-resource-manager-schemas), read in place and never copied into the project.
 * Two fixes the README there describes: the deployment template's `resource` definition lists every provider
 * of Azure, so it becomes `resourceBase` and each resource is checked against its own provider file; and
 * `additionalProperties` on `allOf` members (BotService `Channel`) rejects every valid value, so it is dropped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { type ArmParametersFile, type ArmResource, type ArmTemplate, type DeploymentScope, innerDeployments } from './armTemplate';
import { HAND_WRITTEN_SCHEMAS } from './handWrittenSchemas';

export const ARM_SCHEMA_DIR = path.resolve(__dirname, '../../../shared/schemas/arm');

/** Resource types with no provider file in the reference set: checked against `resourceBase` only. */
export const TYPES_WITHOUT_REFERENCE_SCHEMA: readonly string[] = [
  'Microsoft.Authorization/roleAssignments',
  'Microsoft.OperationalInsights/workspaces',
  'Microsoft.Resources/deployments',
  'Microsoft.Resources/resourceGroups',
];

const TEMPLATE_SCHEMAS: Record<DeploymentScope, { readonly template: string; readonly parameters: string }> = {
  resourceGroup: { template: '2019-04-01/deploymentTemplate.json', parameters: '2019-04-01/deploymentParameters.json' },
  subscription: {
    template: '2018-05-01/subscriptionDeploymentTemplate.json',
    parameters: '2018-05-01/subscriptionDeploymentParameters.json',
  },
};

type JsonObject = Record<string, unknown>;

export interface ArmValidator {
  /** One line per problem; empty when the template, and every resource in it and in inner deployments, is valid. */
  validateTemplate(template: ArmTemplate, scope: DeploymentScope): string[];
  validateParameters(parameters: ArmParametersFile, scope: DeploymentScope): string[];
}

export function createArmValidator(schemaDir: string = ARM_SCHEMA_DIR): ArmValidator {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const load = (file: string): JsonObject => JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as JsonObject;
  ajv.addSchema(load('common/definitions.json'));

  const templateValidators = {} as Record<
    DeploymentScope,
    { template: ValidateFunction; resourceBase: ValidateFunction; parameters: ValidateFunction }
  >;
  for (const scope of ['resourceGroup', 'subscription'] as const) {
    const files = TEMPLATE_SCHEMAS[scope];
    const template = load(files.template);
    const definitions = template.definitions as JsonObject;
    definitions.resource = { $ref: '#/definitions/resourceBase' };
    ajv.addSchema(template);
    ajv.addSchema(load(files.parameters));
    const id = String(template.id).replace(/#$/, '');
    templateValidators[scope] = {
      template: ajv.getSchema(id) ?? fail(`cannot compile ${files.template}`),
      resourceBase: ajv.compile({ $ref: `${id}#/definitions/resourceBase` }),
      parameters: ajv.getSchema(String(load(files.parameters).id).replace(/#$/, '')) ?? fail(`cannot compile ${files.parameters}`),
    };
  }

  const resourceSchemas = indexProviderSchemas(ajv, schemaDir, load);
  const resourceValidators = new Map<string, ValidateFunction>();
  const resourceValidator = (key: string, ref: string): ValidateFunction => {
    const cached = resourceValidators.get(key);
    if (cached) return cached;
    const compiled = ajv.compile({ $ref: ref });
    resourceValidators.set(key, compiled);
    return compiled;
  };

  // Key Vault and Azure Monitor types: not in the reference set, checked against schemas written from Microsoft's docs.
  const handWrittenValidator = (key: string, schema: JsonObject): ValidateFunction => {
    const cached = resourceValidators.get(key);
    if (cached) return cached;
    const compiled = ajv.compile(schema);
    resourceValidators.set(key, compiled);
    return compiled;
  };

  const validateResources = (resources: readonly ArmResource[], scope: DeploymentScope, where: string): string[] =>
    resources.flatMap((resource) => {
      const label = `${where} ${resource.type} "${resource.name}"`;
      const problems = report(label, templateValidators[scope].resourceBase, resource);
      const key = `${resource.type.toLowerCase()}@${resource.apiVersion}`;
      const ref = resourceSchemas.get(key);
      if (ref) return [...problems, ...report(label, resourceValidator(key, ref), resource)];
      const handWritten = HAND_WRITTEN_SCHEMAS[key];
      if (handWritten) return [...problems, ...report(label, handWrittenValidator(key, handWritten), resource)];
      if (TYPES_WITHOUT_REFERENCE_SCHEMA.includes(resource.type)) return problems;
      return [...problems, `${label}: no reference schema for apiVersion ${resource.apiVersion}; use one from ${schemaDir}`];
    });

  const validateTemplate = (template: ArmTemplate, scope: DeploymentScope, where = 'template'): string[] => [
    ...report(where, templateValidators[scope].template, template),
    ...validateResources(template.resources, scope, where),
    ...innerDeployments(template).flatMap((inner) =>
      validateTemplate(inner.template, 'resourceGroup', `${where} > deployment "${inner.name}"`),
    ),
  ];

  return {
    validateTemplate: (template, scope) => validateTemplate(template, scope),
    validateParameters: (parameters, scope) => report('parameters file', templateValidators[scope].parameters, parameters),
  };
}

/** `type@apiVersion` (type lower-cased) -> `$ref` of its resource definition, from every provider file present. */
function indexProviderSchemas(ajv: Ajv, schemaDir: string, load: (file: string) => JsonObject): Map<string, string> {
  const index = new Map<string, string>();
  const apiVersionFolders = readdirSync(schemaDir).filter((name) => /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(name));
  for (const apiVersion of apiVersionFolders) {
    for (const file of readdirSync(path.join(schemaDir, apiVersion)).filter((name) => name.startsWith('Microsoft.'))) {
      const schema = load(path.join(apiVersion, file));
      if (!schema.resourceDefinitions) continue;
      dropAllOfAdditionalProperties(schema);
      ajv.addSchema(schema);
      const id = String(schema.id).replace(/#$/, '');
      for (const [key, definition] of Object.entries(schema.resourceDefinitions as Record<string, JsonObject>)) {
        const typeEnum = ((definition.properties as JsonObject | undefined)?.type as { enum?: string[] } | undefined)?.enum ?? [];
        for (const type of typeEnum) index.set(`${type.toLowerCase()}@${apiVersion}`, `${id}#/resourceDefinitions/${key}`);
      }
    }
  }
  return index;
}

function dropAllOfAdditionalProperties(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(dropAllOfAdditionalProperties);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as JsonObject;
  if (Array.isArray(record.allOf)) {
    for (const member of record.allOf as JsonObject[]) delete member.additionalProperties;
  }
  Object.values(record).forEach(dropAllOfAdditionalProperties);
}

/**
 * Ajv's raw errors for `oneOf: [value schema, expression]` repeat every branch; keep the deepest, most
 * specific ones (not the `oneOf`/`anyOf` summaries) and say where they are.
 */
function report(label: string, validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((error: ErrorObject) => !['oneOf', 'anyOf', 'allOf', 'if'].includes(error.keyword));
  const lines = errors.map((error) => `${label}: ${error.instancePath || '/'} ${error.message ?? error.keyword}${extra(error)}`);
  return [...new Set(lines.length > 0 ? lines : [`${label}: does not match the schema`])];
}

function extra(error: ErrorObject): string {
  const params = error.params as { allowedValues?: unknown; additionalProperty?: unknown };
  if (params.allowedValues) return ` ${JSON.stringify(params.allowedValues)}`;
  if (params.additionalProperty) return ` ${JSON.stringify(params.additionalProperty)}`;
  return '';
}

function fail(message: string): never {
  throw new Error(message);
}

export function armSchemasPresent(schemaDir: string = ARM_SCHEMA_DIR): boolean {
  return existsSync(path.join(schemaDir, TEMPLATE_SCHEMAS.resourceGroup.template));
}
