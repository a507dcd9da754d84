import { AppError } from '../../services/errors';
import type { HttpClient } from '../http/httpClient';
import { isHttpError, isTransientHttpFailure } from '../http/httpError';
import type { Logger } from '../../services/logger';
import type { RealmVerdict, UserRealm } from '../../services/userRealm';

export interface UserRealmClientOptions {
  readonly http: HttpClient;
  /** `https://login.microsoftonline.com` or the sandbox's login base URL. */
  readonly loginBaseUrl: string;
  readonly logger: Logger;
}

/**
 * The user-realm check, the signal Microsoft's own "close your account" guidance relies on: `IsViral: true`
 * marks a self-service sign-up ("viral") organization. The endpoint is undocumented as an API, so the answer is
 * read strictly: anything not clearly one of the three verdicts is "cannot confirm" (`REALM_UNAVAILABLE`),
 * because a wrong "unmanaged" would let someone close an account that has an administrator.
 */
export class UserRealmClient implements UserRealm {
  private readonly logger: Logger;

  constructor(private readonly options: UserRealmClientOptions) {
    this.logger = options.logger;
  }

  async lookup(upn: string): Promise<RealmVerdict> {
    const base = this.options.loginBaseUrl.replace(/\/+$/, '');
    let body: unknown;
    try {
      const response = await this.options.http.request({
        method: 'GET',
        url: `${base}/common/userrealm/${encodeURIComponent(upn)}?api-version=2.1`,
        operation: 'realm.lookup',
        idempotent: true,
      });
      body = response.body;
    } catch (error) {
      const detail = isHttpError(error) ? `${error.kind}${error.status === undefined ? '' : ` ${error.status}`}` : 'unexpected failure';
      throw new AppError('REALM_UNAVAILABLE', `user realm lookup failed: ${detail}`, {
        cause: error,
        transient: isTransientHttpFailure(error),
      });
    }
    const verdict = readVerdict(body, domainOf(upn));
    this.logger.info(`user realm verdict "${verdict.kind}"`, { verdict: verdict.kind });
    return verdict;
  }
}

function readVerdict(body: unknown, domain: string): RealmVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unreadable('the body is not an object');
  const realm = body as Record<string, unknown>;
  const { NameSpaceType: namespaceType, IsViral: isViral } = realm;
  if (isViral !== undefined && typeof isViral !== 'boolean') throw unreadable('IsViral is not a boolean');
  const organizationName = firstText(realm.FederationBrandName, realm.DomainName) ?? domain;
  if (isViral === true) {
    // A viral organization is always a Managed namespace; any other pairing is an answer we do not understand.
    if (namespaceType !== 'Managed') throw unreadable(`IsViral with NameSpaceType "${String(namespaceType).slice(0, 40)}"`);
    return { kind: 'unmanaged', organizationName };
  }
  switch (namespaceType) {
    case 'Managed':
    case 'Federated':
      return { kind: 'managed', organizationName };
    case 'Unknown':
      return { kind: 'notWorkOrSchool' };
    default:
      throw unreadable(`NameSpaceType "${String(namespaceType).slice(0, 40)}"`);
  }
}

function firstText(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.trim() !== '')?.trim();
}

function domainOf(upn: string): string {
  return upn.slice(upn.lastIndexOf('@') + 1);
}

function unreadable(what: string): AppError {
  return new AppError('REALM_UNAVAILABLE', `unexpected user realm answer: ${what}`);
}
