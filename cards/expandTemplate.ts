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

/**
 * The expanded card as sent, in one walk: without the nulls `$when` leaves (`$when: false` on an object-valued
 * property, the warning's `refresh`, leaves `null`, which no card schema allows), and the first `${...}` still in
 * it (depth first, in document order), a template field nobody filled, unless the data itself contained that text.
 * The data's strings are collected only when some `${` is left, which no card that renders has.
 */
export function finishExpansion(expanded: unknown, data: unknown): { readonly content: unknown; readonly leftover: string | undefined } {
  let leftover: string | undefined;
  let dataStrings: readonly string[] | undefined;
  const check = (text: string): void => {
    if (leftover !== undefined || !text.includes('${')) return;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      dataStrings ??= collectStrings(data);
      if (!dataStrings.some((known) => known.includes(match[0]))) {
        leftover = match[1];
        return;
      }
    }
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      check(node);
      return node;
    }
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      for (const item of node) if (item !== null) items.push(walk(item));
      return items;
    }
    if (typeof node === 'object' && node !== null) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        const value: unknown = (node as Record<string, unknown>)[key];
        if (value === null) continue;
        // As Object.fromEntries would: an own property even for the name `__proto__`.
        if (key === '__proto__')
          Object.defineProperty(copy, key, { value: walk(value), enumerable: true, writable: true, configurable: true });
        else copy[key] = walk(value);
      }
      return copy;
    }
    return node;
  };
  const content = walk(expanded);
  return { content, leftover };
}

function collectStrings(node: unknown, into: string[] = []): string[] {
  if (typeof node === 'string') into.push(node);
  else if (Array.isArray(node)) for (const item of node) collectStrings(item, into);
  else if (typeof node === 'object' && node !== null) for (const item of Object.values(node)) collectStrings(item, into);
  return into;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
