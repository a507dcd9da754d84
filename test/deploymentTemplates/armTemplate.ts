/**
 * Reading ARM templates the way Azure Resource Manager does, without Azure: the files, their expressions
 * (`[...]` strings, https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions),
 * nested inner-scope deployments, and parameter values matched against declarations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const TEMPLATES_DIR = path.join(ROOT, 'deploymentTemplates');
export const RG_TEMPLATE = path.join(TEMPLATES_DIR, 'deployUseExistResourceGroup/template-BotApp-with-rg.json');
export const RG_PARAMETERS = path.join(TEMPLATES_DIR, 'deployUseExistResourceGroup/parameters-for-template-BotApp-with-rg.json');
export const NEW_RG_TEMPLATE = path.join(TEMPLATES_DIR, 'deployWithNewResourceGroup/template-BotApp-new-rg.json');
export const NEW_RG_PARAMETERS = path.join(TEMPLATES_DIR, 'deployWithNewResourceGroup/parameters-for-template-BotApp-new-rg.json');
export const DEPLOY_DOC = path.join(ROOT, 'docs/deploy.md');

export type DeploymentScope = 'resourceGroup' | 'subscription';

/** Each deployable template with its parameters file; paths relative to the project root for messages. */
export const DEPLOYMENTS: readonly { readonly template: string; readonly parameters: string; readonly scope: DeploymentScope }[] = [
  { template: RG_TEMPLATE, parameters: RG_PARAMETERS, scope: 'resourceGroup' },
  { template: NEW_RG_TEMPLATE, parameters: NEW_RG_PARAMETERS, scope: 'subscription' },
];

export interface ArmParameter {
  readonly type: string;
  readonly defaultValue?: unknown;
  readonly allowedValues?: readonly unknown[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly metadata?: { readonly description?: string };
}

export interface ArmResource {
  readonly type: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface ArmTemplate {
  readonly $schema: string;
  readonly contentVersion: string;
  readonly metadata?: Record<string, unknown>;
  readonly parameters?: Record<string, ArmParameter | undefined>;
  readonly variables?: Record<string, unknown>;
  readonly resources: readonly ArmResource[];
  readonly outputs?: Record<string, { readonly type: string; readonly value: unknown }>;
}

/** A parameter value as a parameters file or a nested deployment gives it. */
export interface ArmParameterValue {
  readonly value?: unknown;
  readonly reference?: { readonly keyVault: { readonly id: string }; readonly secretName: string };
}

export interface ArmParametersFile {
  readonly $schema: string;
  readonly contentVersion: string;
  readonly parameters: Record<string, ArmParameterValue>;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function relative(file: string): string {
  return path.relative(ROOT, file);
}

export function isSecureType(type: string): boolean {
  return type.toLowerCase() === 'securestring' || type.toLowerCase() === 'secureobject';
}

/** A string ARM evaluates: `[...]`, but not `[[...`, which is a literal starting with `[`. */
export function isExpression(value: string): boolean {
  return value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']');
}

/** A nested deployment that evaluates its own template's expressions (`expressionEvaluationOptions.scope: inner`). */
export interface InnerDeployment {
  readonly name: string;
  readonly template: ArmTemplate;
  readonly parameters: Record<string, ArmParameterValue>;
}

export function innerDeployments(template: ArmTemplate): InnerDeployment[] {
  return template.resources.flatMap((resource) => {
    const inner = asInnerDeployment(resource);
    return inner ? [inner] : [];
  });
}

function asInnerDeployment(resource: ArmResource): InnerDeployment | undefined {
  if (resource.type !== 'Microsoft.Resources/deployments') return undefined;
  const properties = resource.properties as
    | { template?: ArmTemplate; parameters?: Record<string, ArmParameterValue>; expressionEvaluationOptions?: { scope?: string } }
    | undefined;
  if (!properties?.template || properties.expressionEvaluationOptions?.scope?.toLowerCase() !== 'inner') return undefined;
  return { name: resource.name, template: properties.template, parameters: properties.parameters ?? {} };
}

/** Every resource of the template and of its inner deployments, where Azure would create it. */
export function allResources(template: ArmTemplate): ArmResource[] {
  return template.resources.flatMap((resource) => {
    const inner = asInnerDeployment(resource);
    return inner ? [resource, ...allResources(inner.template)] : [resource];
  });
}

/**
 * Every expression this template evaluates itself: values and property names, skipping the bodies of
 * inner-scope nested templates (those are evaluated against their own parameters and variables).
 */
export function templateExpressions(template: ArmTemplate): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      if (isExpression(node)) found.push(node);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const innerScope =
        record.type === 'Microsoft.Resources/deployments' && asInnerDeployment(record as unknown as ArmResource) !== undefined;
      for (const [key, value] of Object.entries(record)) {
        if (isExpression(key)) found.push(key);
        if (innerScope && key === 'properties') {
          const { template: _nested, ...rest } = value as Record<string, unknown>;
          visit(rest);
        } else {
          visit(value);
        }
      }
    }
  };
  visit({ ...template, metadata: undefined });
  return found;
}

/** Names passed to `fn('name')` in an expression, e.g. `parameters` or `variables`. */
export function referencedNames(expression: string, fn: 'parameters' | 'variables'): string[] {
  const pattern = new RegExp(`\\b${fn}\\(\\s*'([^']*)'\\s*\\)`, 'g');
  return [...expression.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** Template functions these templates may call; `list*` functions are open-ended and always allowed. */
const TEMPLATE_FUNCTIONS = new Set(
  [
    'array',
    'concat',
    'contains',
    'createArray',
    'empty',
    'first',
    'intersection',
    'json',
    'last',
    'length',
    'max',
    'min',
    'range',
    'skip',
    'take',
    'union',
    'coalesce',
    'equals',
    'greater',
    'greaterOrEquals',
    'less',
    'lessOrEquals',
    'dateTimeAdd',
    'dateTimeFromEpoch',
    'dateTimeToEpoch',
    'utcNow',
    'deployment',
    'environment',
    'parameters',
    'variables',
    'and',
    'bool',
    'false',
    'if',
    'not',
    'or',
    'true',
    'add',
    'div',
    'float',
    'int',
    'mod',
    'mul',
    'sub',
    'null',
    'extensionResourceId',
    'pickZones',
    'providers',
    'reference',
    'resourceGroup',
    'resourceId',
    'subscription',
    'subscriptionResourceId',
    'tenant',
    'tenantResourceId',
    'base64',
    'base64ToJson',
    'base64ToString',
    'dataUri',
    'dataUriToString',
    'endsWith',
    'format',
    'guid',
    'indexOf',
    'lastIndexOf',
    'newGuid',
    'padLeft',
    'replace',
    'split',
    'startsWith',
    'string',
    'substring',
    'toLower',
    'toUpper',
    'trim',
    'uniqueString',
    'uri',
    'uriComponent',
    'uriComponentToString',
  ].map((name) => name.toLowerCase()),
);

/** Problems with an expression's shape: unbalanced brackets or quotes, unknown functions. */
export function expressionProblems(expression: string): string[] {
  const body = expression.slice(1, -1);
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body.charAt(i);
    if (ch === "'") {
      const end = closingQuote(body, i + 1);
      if (end < 0) return [`unterminated string literal in ${expression}`];
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))?.[0] ?? ch;
      const isProperty = body.charAt(i - 1) === '.';
      const isCall = body.charAt(i + name.length) === '(';
      const lower = name.toLowerCase();
      if (isCall && !isProperty && !TEMPLATE_FUNCTIONS.has(lower) && !lower.startsWith('list')) {
        problems.push(`unknown template function "${name}" in ${expression}`);
      }
      i += name.length;
      continue;
    }
    if (ch === '(' || ch === '[') stack.push(ch === '(' ? ')' : ']');
    if (ch === ')' || ch === ']') {
      if (stack.pop() !== ch) return [...problems, `unbalanced "${ch}" in ${expression}`];
    }
    i += 1;
  }
  if (stack.length > 0) problems.push(`unclosed "${stack.join('')}" in ${expression}`);
  return problems;
}

/** Index of the quote closing a literal that starts at `from` (`''` is an escaped quote), or -1. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i += 1) {
    if (text.charAt(i) !== "'") continue;
    if (text.charAt(i + 1) === "'") {
      i += 1;
      continue;
    }
    return i;
  }
  return -1;
}

export interface ParameterMatchOptions {
  /** Parameters files may leave secure parameters to the command line; nested deployments may not. */
  readonly secureMayBeSuppliedLater: boolean;
}

/**
 * Problems with the values given for a template's parameters: unknown names, missing required values,
 * values of the wrong type or outside `allowedValues`. An empty string is either the parameter's own default
 * (a real choice, e.g. `botAppId` with a managed identity) or a placeholder, accepted only where the
 * declaration's `minLength` makes Azure refuse it, so a forgotten value stops the deployment before anything
 * is created.
 */
export function parameterValueProblems(
  declared: Record<string, ArmParameter | undefined>,
  given: Record<string, ArmParameterValue>,
  options: ParameterMatchOptions,
): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!declared[name]) problems.push(`"${name}" is not a parameter of the template`);
  }
  for (const [name, declaration] of Object.entries(declared)) {
    if (!declaration) continue;
    const entry = given[name];
    if (!entry) {
      const optional = declaration.defaultValue !== undefined || (options.secureMayBeSuppliedLater && isSecureType(declaration.type));
      if (!optional) problems.push(`required parameter "${name}" is not given`);
      continue;
    }
    if (entry.reference) continue;
    const value = entry.value;
    if (typeof value === 'string' && isExpression(value)) continue;
    problems.push(...valueProblems(name, declaration, value));
  }
  return problems;
}

function valueProblems(name: string, declaration: ArmParameter, value: unknown): string[] {
  const type = declaration.type.toLowerCase();
  const expected: Record<string, string> = {
    string: 'string',
    securestring: 'string',
    int: 'number',
    bool: 'boolean',
    object: 'object',
    secureobject: 'object',
    array: 'object',
  };
  if (typeof value !== expected[type]) return [`"${name}" should be a ${declaration.type}, got ${JSON.stringify(value)}`];
  if (value === '') {
    return declaration.defaultValue === '' || (declaration.minLength ?? 0) > 0
      ? []
      : [`"${name}" is an empty placeholder that Azure would accept: give a value or a minLength`];
  }
  if (declaration.allowedValues && !declaration.allowedValues.includes(value)) {
    return [`"${name}" is ${JSON.stringify(value)}, not one of ${JSON.stringify(declaration.allowedValues)}`];
  }
  return [];
}

export interface AppSetting {
  readonly name: string;
  readonly value: unknown;
}

/** The app settings of every web app the template (or an inner deployment) creates. */
export function webApps(template: ArmTemplate): { readonly resource: ArmResource; readonly appSettings: readonly AppSetting[] }[] {
  return allResources(template)
    .filter((resource) => resource.type === 'Microsoft.Web/sites')
    .map((resource) => {
      const siteConfig = (resource.properties?.siteConfig ?? {}) as { appSettings?: AppSetting[] };
      return { resource, appSettings: siteConfig.appSettings ?? [] };
    });
}
