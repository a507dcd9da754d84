/**
 * The templating library's quirks, kept beside the renderer (cards/renderCard.ts): the expansion with its
 * missing-field hook, the leftover `${...}` check, and the clean-up of what `$when` leaves behind.
 */
import { GlobalSettings, Template } from 'adaptivecards-templating';

/** Each card's template, parsed on its first render. */
const compiled = new Map<string, Template>();

/**
 * adaptivecards-templating leaves an undefined field as the literal `${field}` and only reports it through a
 * process-wide hook (`GlobalSettings.getUndefinedFieldValueSubstitutionString`), so the hook is set for the
 * duration of this synchronous call and restored after.
 */
export function expand(name: string, source: object, data: Record<string, unknown>) {
  let template = compiled.get(name);
  if (!template) {
    template = new Template(source);
    compiled.set(name, template);
  }
  const missingPaths: string[] = [];
  const previous = GlobalSettings.getUndefinedFieldValueSubstitutionString;
  GlobalSettings.getUndefinedFieldValueSubstitutionString = (path: string) => {
    missingPaths.push(path);
    return undefined;
  };
  try {
    const expanded: unknown = template.expand({ $root: data });
    // getLastTemplateExpansionWarnings() is not consulted: it warns on every `$when` that is simply false.
    return { expanded, missingPaths };
  } finally {
    GlobalSettings.getUndefinedFieldValueSubstitutionString = previous;
  }
}

/** A `${...}` still in the output is a template field nobody filled, unless the data itself contained that text. */
export function findLeftoverExpression(node: unknown, dataStrings: readonly string[]): string | undefined {
  if (typeof node === 'string') {
    for (const match of node.matchAll(/\$\{([^}]*)\}/g)) {
      if (!dataStrings.some((text) => text.includes(match[0]))) return match[1];
    }
    return undefined;
  }
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findLeftoverExpression(item, dataStrings);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof node === 'object' && node !== null) return findLeftoverExpression(Object.values(node), dataStrings);
  return undefined;
}

export function collectStrings(node: unknown, into: string[] = []): string[] {
  if (typeof node === 'string') into.push(node);
  else if (Array.isArray(node)) for (const item of node) collectStrings(item, into);
  else if (typeof node === 'object' && node !== null) for (const item of Object.values(node)) collectStrings(item, into);
  return into;
}

/** `$when: false` on an object-valued property (the warning's `refresh`) leaves `null`, which no card schema allows. */
export function pruneNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.filter((item) => item !== null).map(pruneNulls);
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([, value]) => value !== null)
        .map(([key, value]) => [key, pruneNulls(value)]),
    );
  }
  return node;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
