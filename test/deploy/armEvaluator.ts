/**
 * Evaluates ARM template expressions (https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions)
 * the way Resource Manager would at deployment, for the deployment rehearsal: literals, function calls, property and
 * index access. What Azure would return for a deployed resource (`reference()`, `list*()`), the subscription and the
 * resource group come from a `DeployedAzure` the rehearsal fills with its loopback stand-ins. A function this file
 * does not implement, or a resource the stand-ins do not know, throws: a template change the rehearsal cannot follow
 * fails loudly instead of being guessed at.
 */
import { createHash } from 'node:crypto';

export interface DeployedAzure {
  readonly subscription: { readonly subscriptionId: string; readonly tenantId: string };
  readonly resourceGroup: { readonly name: string; readonly location: string };
  /** `reference(resourceId)` by resource type (e.g. Microsoft.Insights/components): the runtime state Azure returns. */
  readonly references: Readonly<Record<string, unknown>>;
  /** `listX(resourceId, ...)` by function name and resource type, e.g. `listChannelWithKeys:Microsoft.BotService/botServices/channels`. */
  readonly lists: Readonly<Record<string, (args: readonly unknown[]) => unknown>>;
  /** The deployment's `utcNow()`. */
  readonly now: Date;
}

export interface Scope {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly azure: DeployedAzure;
}

type Node =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'property'; readonly target: Node; readonly name: string }
  | { readonly kind: 'index'; readonly target: Node; readonly index: Node };

/** A template value: strings `[...]` are expressions (`[[` escapes a literal `[`), objects and arrays are walked. */
export function evaluateValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    if (value.startsWith('[') && value.endsWith(']')) return evaluate(parse(value.slice(1, -1)), scope);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, scope));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateValue(item, scope)]));
  return value;
}

function parse(text: string): Node {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot read the template expression [${text}] at ${at}: ${what}`);
  };
  const space = () => {
    while (/\s/.test(text.charAt(at))) at += 1;
  };
  const expression = (): Node => {
    space();
    let node = primary();
    for (;;) {
      space();
      if (text.charAt(at) === '.') {
        at += 1;
        const name = /^[A-Za-z_$][\w$]*/.exec(text.slice(at))?.[0] ?? fail('a property name');
        at += name.length;
        node = { kind: 'property', target: node, name };
      } else if (text.charAt(at) === '[') {
        at += 1;
        const index = expression();
        space();
        if (text.charAt(at) !== ']') fail('"]"');
        at += 1;
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const primary = (): Node => {
    const ch = text.charAt(at);
    if (ch === "'") {
      let value = '';
      at += 1;
      for (;;) {
        if (at >= text.length) fail('the end of a string');
        if (text.charAt(at) === "'" && text.charAt(at + 1) === "'") {
          value += "'";
          at += 2;
        } else if (text.charAt(at) === "'") {
          at += 1;
          return { kind: 'literal', value };
        } else {
          value += text.charAt(at);
          at += 1;
        }
      }
    }
    const number = /^-?\d+/.exec(text.slice(at))?.[0];
    if (number) {
      at += number.length;
      return { kind: 'literal', value: Number(number) };
    }
    const name = /^[A-Za-z_][\w]*/.exec(text.slice(at))?.[0] ?? fail('a function name');
    at += name.length;
    space();
    if (text.charAt(at) !== '(') fail(`"(" after ${name}`);
    at += 1;
    const args: Node[] = [];
    space();
    if (text.charAt(at) === ')') at += 1;
    else
      for (;;) {
        args.push(expression());
        space();
        const next = text.charAt(at);
        at += 1;
        if (next === ')') break;
        if (next !== ',') fail('"," or ")"');
      }
    return { kind: 'call', name, args };
  };
  const node = expression();
  space();
  if (at !== text.length) fail('the end of the expression');
  return node;
}

function evaluate(node: Node, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property': {
      const target = evaluate(node.target, scope);
      if (target === null || typeof target !== 'object' || !(node.name in target))
        throw new Error(`the template reads .${node.name} of ${JSON.stringify(target)?.slice(0, 200)}, which has none`);
      return (target as Record<string, unknown>)[node.name];
    }
    case 'index': {
      const target = evaluate(node.target, scope) as Record<string | number, unknown>;
      const index = evaluate(node.index, scope) as string | number;
      if (target?.[index] === undefined) throw new Error(`the template reads [${index}] of ${JSON.stringify(target)?.slice(0, 200)}`);
      return target[index];
    }
    case 'call':
      return call(node.name, node.args, scope);
  }
}

function call(name: string, argNodes: readonly Node[], scope: Scope): unknown {
  const lower = name.toLowerCase();
  // `if` evaluates only the branch it takes, as ARM does (the other may read a resource that is not deployed).
  if (lower === 'if') {
    const [condition, whenTrue, whenFalse] = argNodes;
    if (!condition || !whenTrue || !whenFalse) throw new Error('if() takes three arguments');
    return evaluate(condition, scope) === true ? evaluate(whenTrue, scope) : evaluate(whenFalse, scope);
  }
  const args = argNodes.map((arg) => evaluate(arg, scope));
  const text = (index: number) => {
    const value = args[index];
    return typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value ?? '');
  };
  const fn = FUNCTIONS[lower];
  if (fn) return fn(args, scope, text);
  if (lower.startsWith('list')) {
    const type = resourceTypeOf(text(0));
    const list = scope.azure.lists[`${name}:${type}`];
    if (!list) throw new Error(`the rehearsal has no stand-in for ${name}() on ${type}`);
    return list(args);
  }
  throw new Error(`the rehearsal does not implement the template function ${name}()`);
}

type Fn = (args: readonly unknown[], scope: Scope, text: (index: number) => string) => unknown;

const FUNCTIONS: Record<string, Fn> = {
  parameters: (_args, scope, text) => {
    if (!(text(0) in scope.parameters)) throw new Error(`parameters('${text(0)}') has no value`);
    return scope.parameters[text(0)];
  },
  variables: (_args, scope, text) => {
    if (!(text(0) in scope.variables)) throw new Error(`variables('${text(0)}') is not declared`);
    return scope.variables[text(0)];
  },
  concat: (args) => (args.every(Array.isArray) ? args.flat() : args.map((arg) => String(arg)).join('')),
  createarray: (args) => [...args],
  equals: (args) => JSON.stringify(args[0]) === JSON.stringify(args[1]),
  not: (args) => args[0] !== true,
  and: (args) => args.every((arg) => arg === true),
  or: (args) => args.some((arg) => arg === true),
  empty: (args) =>
    args[0] === null ||
    args[0] === '' ||
    (Array.isArray(args[0]) && args[0].length === 0) ||
    (typeof args[0] === 'object' && Object.keys(args[0]).length === 0),
  split: (_args, _scope, text) => text(0).split(text(1)),
  replace: (_args, _scope, text) => text(0).split(text(1)).join(text(2)),
  tolower: (_args, _scope, text) => text(0).toLowerCase(),
  toupper: (_args, _scope, text) => text(0).toUpperCase(),
  string: (args) => (typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0])),
  true: () => true,
  false: () => false,
  // Deterministic 13-character hashes, as ARM's are (the exact algorithm is not published; only stability matters here).
  uniquestring: (args) =>
    createHash('sha256')
      .update(args.map((arg) => String(arg)).join('|'))
      .digest('hex')
      .slice(0, 13),
  guid: (args) => {
    const hex = createHash('sha256')
      .update(args.map((arg) => String(arg)).join('|'))
      .digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  },
  utcnow: (_args, scope) => scope.azure.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  datetimeadd: (_args, _scope, text) => {
    const years = /^P(\d+)Y$/.exec(text(1));
    if (!years) throw new Error(`the rehearsal reads only whole-year durations in dateTimeAdd(), not ${text(1)}`);
    const date = new Date(text(0));
    date.setUTCFullYear(date.getUTCFullYear() + Number(years[1]));
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
  subscription: (_args, scope) => ({
    ...scope.azure.subscription,
    id: `/subscriptions/${scope.azure.subscription.subscriptionId}`,
  }),
  resourcegroup: (_args, scope) => ({
    ...scope.azure.resourceGroup,
    id: `/subscriptions/${scope.azure.subscription.subscriptionId}/resourceGroups/${scope.azure.resourceGroup.name}`,
  }),
  resourceid: (args, scope) => {
    const [type, ...names] = args.map((arg) => String(arg));
    const group = `/subscriptions/${scope.azure.subscription.subscriptionId}/resourceGroups/${scope.azure.resourceGroup.name}`;
    // Type segments and names interleave: providers/Microsoft.BotService/botServices/{bot}/channels/{channel}.
    const [namespace, ...types] = (type ?? '').split('/');
    return `${group}/providers/${namespace}/${types.map((segment, index) => `${segment}/${names[index] ?? ''}`).join('/')}`;
  },
  reference: (_args, scope, text) => {
    const type = resourceTypeOf(text(0));
    if (!(type in scope.azure.references)) throw new Error(`the rehearsal has no stand-in for reference() of ${type}`);
    return scope.azure.references[type];
  },
};

/** `Microsoft.Web/sites` from `/subscriptions/.../providers/Microsoft.Web/sites/name[/child/name]`, child types joined. */
function resourceTypeOf(id: string): string {
  const providers = id.split('/providers/')[1];
  if (!providers) throw new Error(`not a resource id: ${id}`);
  const [namespace, ...rest] = providers.split('/');
  const types = rest.filter((_segment, index) => index % 2 === 0);
  return [namespace, ...types].join('/');
}
