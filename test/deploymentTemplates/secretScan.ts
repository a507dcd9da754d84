/**
 * Finds text shaped like a credential. Findings name the shape and the line, never the matched text, so a
 * failing test does not print the secret it found.
 */
export interface SecretFinding {
  readonly kind: string;
  readonly line: number;
}

const SHAPES: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  { kind: 'storage account key in a connection string', pattern: /AccountKey=[A-Za-z0-9+/]{20,}/g },
  { kind: 'shared access key', pattern: /SharedAccessKey=[A-Za-z0-9+/]{20,}/g },
  { kind: 'SAS signature', pattern: /[?&]sig=[A-Za-z0-9%+/]{16,}/g },
  { kind: 'Application Insights instrumentation key', pattern: /InstrumentationKey=[0-9a-f]{8}-[0-9a-f]{4}-/gi },
  // Entra client secrets: three characters, a digit, "Q~", then 30+ characters (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials).
  { kind: 'Entra client secret', pattern: /[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{30,}/g },
  { kind: 'JSON web token', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/g },
  { kind: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g },
  { kind: 'literal value of a secret property', pattern: /"[A-Za-z]*(?:secret|password)"\s*:\s*"(?!\[)[^"\s<]{12,}"/gi },
];

/** A run of base64 with digits and both letter cases, as long as 30 random bytes or more: a key, not a word. */
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;

export function findSecretLiterals(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  for (const { kind, pattern } of SHAPES) {
    for (const match of text.matchAll(pattern)) findings.push({ kind, line: lineOf(match.index ?? 0) });
  }
  for (const match of text.matchAll(BASE64_RUN)) {
    const run = match[0];
    if (/\d/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run))
      findings.push({ kind: 'base64 key material', line: lineOf(match.index ?? 0) });
  }
  return findings;
}
