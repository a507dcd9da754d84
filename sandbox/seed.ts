import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SandboxError } from './errors';

/** The directory a fresh sandbox starts with. Format documented in sandbox/README.md. */
export interface SandboxSeed {
  readonly tenants: readonly SeedTenant[];
  readonly users: readonly SeedUser[];
}

export interface SeedTenant {
  readonly id: string;
  readonly displayName: string;
  /** Verified domains. Empty means the realm knows none of its users' domains (e.g. personal accounts). */
  readonly domains: readonly string[];
  /** Self-service sign-up ("viral") organization with no administrator: the realm answers `IsViral: true`. */
  readonly unmanaged: boolean;
  /** Whether the sandbox app is consented (has a service principal) here; default true. See sandbox/README.md. */
  readonly appServicePrincipal?: boolean;
}

export interface SeedUser {
  readonly id: string;
  readonly upn: string;
  readonly displayName: string;
  /** Plain text in the seed file only; the persisted state holds an scrypt hash. */
  readonly password: string;
  readonly tenantId: string;
}

export const DEMO_SEED_PATH = path.join(__dirname, 'demoSeed.json');

/**
 * Reads and validates a seed file.
 * @throws SandboxError `CONFIG_INVALID` naming the file and every problem found.
 */
export async function loadSeedFile(file: string): Promise<SandboxSeed> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SandboxError('CONFIG_INVALID', `sandbox seed file "${file}" cannot be read`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SandboxError('CONFIG_INVALID', `sandbox seed file "${file}" is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const problems = validateSeed(parsed);
  if (problems.length > 0) {
    throw new SandboxError('CONFIG_INVALID', `sandbox seed file "${file}" is invalid:\n- ${problems.join('\n- ')}`);
  }
  return parsed as SandboxSeed;
}

/** Every problem in `seed`, one sentence each; empty when the seed is usable. */
export function validateSeed(seed: unknown): string[] {
  if (!isObject(seed)) return ['the seed must be a JSON object with "tenants" and "users" arrays'];
  const problems: string[] = [];
  const tenants = Array.isArray(seed.tenants) ? seed.tenants : undefined;
  const users = Array.isArray(seed.users) ? seed.users : undefined;
  if (!tenants) problems.push('"tenants" must be an array');
  if (!users) problems.push('"users" must be an array');

  const tenantDomains = new Map<string, string[]>();
  (tenants ?? []).forEach((tenant: unknown, index: number) => {
    const where = `tenants[${index}]`;
    if (!isObject(tenant)) return problems.push(`${where} must be an object`);
    requireString(tenant, 'id', where, problems);
    requireString(tenant, 'displayName', where, problems);
    if (typeof tenant.unmanaged !== 'boolean') problems.push(`${where}.unmanaged must be true or false`);
    if (tenant.appServicePrincipal !== undefined && typeof tenant.appServicePrincipal !== 'boolean')
      problems.push(`${where}.appServicePrincipal must be true or false when given`);
    const domains =
      Array.isArray(tenant.domains) && tenant.domains.every((d) => typeof d === 'string' && d.length > 0)
        ? (tenant.domains as string[])
        : undefined;
    if (!domains) problems.push(`${where}.domains must be an array of domain names (it may be empty)`);
    if (typeof tenant.id !== 'string') return;
    if (tenantDomains.has(tenant.id)) problems.push(`${where}.id "${tenant.id}" is used by more than one tenant`);
    tenantDomains.set(
      tenant.id,
      (domains ?? []).map((d) => d.toLowerCase()),
    );
  });
  const domainOwner = new Map<string, string>();
  for (const [tenantId, domains] of tenantDomains) {
    for (const domain of domains) {
      const owner = domainOwner.get(domain);
      if (owner !== undefined && owner !== tenantId) problems.push(`domain "${domain}" belongs to more than one tenant`);
      domainOwner.set(domain, tenantId);
    }
  }

  const userIds = new Set<string>();
  const upns = new Set<string>();
  (users ?? []).forEach((user: unknown, index: number) => {
    const where = `users[${index}]`;
    if (!isObject(user)) return problems.push(`${where} must be an object`);
    for (const field of ['id', 'upn', 'displayName', 'password', 'tenantId']) requireString(user, field, where, problems);
    if (typeof user.id === 'string') {
      if (userIds.has(user.id)) problems.push(`${where}.id "${user.id}" is used by more than one user`);
      userIds.add(user.id);
    }
    if (typeof user.upn !== 'string') return;
    const upn = user.upn.toLowerCase();
    if (upns.has(upn)) problems.push(`${where}.upn "${user.upn}" is used by more than one user`);
    upns.add(upn);
    const at = upn.lastIndexOf('@');
    if (at <= 0 || at === upn.length - 1) return problems.push(`${where}.upn "${user.upn}" must look like name@domain`);
    if (typeof user.tenantId !== 'string') return;
    const domains = tenantDomains.get(user.tenantId);
    if (!domains) return problems.push(`${where}.tenantId "${user.tenantId}" is not a tenant of this seed`);
    const domain = upn.slice(at + 1);
    if (domains.length > 0 && !domains.includes(domain)) {
      problems.push(
        `${where}.upn "${user.upn}": domain "${domain}" is not one of tenant "${user.tenantId}"'s domains (${domains.join(', ')})`,
      );
    }
  });
  return problems;
}

function requireString(object: Record<string, unknown>, field: string, where: string, problems: string[]): void {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') problems.push(`${where}.${field} must be a non-empty string`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
