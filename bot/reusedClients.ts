import type { Activity } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';

/**
 * CloudAdapter asks its BotFrameworkAuthentication for a new ConnectorFactory, ConnectorClient and UserTokenClient
 * on every turn (botbuilder-core cloudAdapterBase.js `processActivity`; botframework-connector
 * parameterizedBotFrameworkAuthentication.js builds each with `new`). The issue-14 profile put ~30% of the bot's
 * CPU in botbuilder, much of it that construction (each client builds an ms-rest pipeline). This wrapper keeps the
 * clients per app id, service URL and audience instead, as the older BotFrameworkAdapter did with its connector
 * client cache; their credentials cache and refresh their own tokens. Authentication itself is untouched.
 *
 * `userTokens`, when given, is the one UserTokenClient for every turn (the sandbox's): installed once here instead
 * of middleware that built the SDK's client and then replaced it each turn.
 */
export interface ReusedClientsOptions {
  readonly inner: BotFrameworkAuthentication;
  readonly userTokens?: UserTokenClient;
  /** Bounds the caches: an anonymous bot (sandbox, Emulator) takes any serviceUrl a caller sends. */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100;

export class ReusedClientsAuthentication extends BotFrameworkAuthentication {
  private readonly inner: BotFrameworkAuthentication;
  private readonly userTokens: UserTokenClient | undefined;
  private readonly maxEntries: number;
  private readonly factories = new Map<string, ConnectorFactory>();
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly tokenClients = new Map<string, Promise<UserTokenClient>>();

  constructor(options: ReusedClientsOptions) {
    super();
    this.inner = options.inner;
    this.userTokens = options.userTokens;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reuse(await this.inner.authenticateRequest(activity, authHeader).catch(asUnauthorized));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reuse(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.factoryFor(appIdOf(claimsIdentity), () => this.inner.createConnectorFactory(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    if (this.userTokens) return Promise.resolve(this.userTokens);
    return this.remember(this.tokenClients, appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reuse(result: AuthenticateRequestResult): AuthenticateRequestResult {
    const built = result.connectorFactory;
    if (!built) return result;
    return { ...result, connectorFactory: this.factoryFor(appIdOf(result.claimsIdentity), () => built) };
  }

  private factoryFor(appId: string, build: () => ConnectorFactory): ConnectorFactory {
    const existing = this.factories.get(appId);
    if (existing) return existing;
    const inner = build();
    const connectors = this.connectors;
    const remember = this.remember.bind(this);
    const factory = new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        return remember(connectors, `${appId}\n${serviceUrl}\n${audience ?? ''}`, () => inner.create(serviceUrl, audience));
      }
    })();
    this.bounded(this.factories, appId, factory);
    return factory;
  }

  /** One build per key; a failed build is forgotten so the next turn tries again. */
  private remember<T>(cache: Map<string, Promise<T>>, key: string, build: () => Promise<T>): Promise<T> {
    const existing = cache.get(key);
    if (existing) return existing;
    const created = build();
    this.bounded(cache, key, created);
    created.catch(() => {
      if (cache.get(key) === created) cache.delete(key);
    });
    return created;
  }

  /** Insertion order is age: the oldest entry goes when the cache is full. */
  private bounded<T>(cache: Map<string, T>, key: string, value: T): void {
    if (cache.size >= this.maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, value);
  }
}

/** The app id exactly as parameterizedBotFrameworkAuthentication.js `getAppId` derives it (audience, then appid claim). */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return (
    claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
    claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
    ''
  );
}

/** What jsonwebtoken's `verify` throws for a token it refuses (its lib/JsonWebTokenError.js and subclasses). */
const REFUSED_TOKEN_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/**
 * botframework-connector 4.23.3 rethrows jsonwebtoken's refusal of a token whose key id is known but whose signature
 * is not (jwtTokenExtractor.js `validateToken`) as it is, not as an AuthenticationError, so CloudAdapter answered
 * such a forged token 500 instead of 401 (found by the deployment rehearsal, test/deploy/rehearsal.test.ts).
 */
function asUnauthorized(error: unknown): never {
  if (error instanceof Error && REFUSED_TOKEN_ERRORS.has(error.name)) throw new AuthenticationError(`Unauthorized. ${error.message}`, 401);
  throw error;
}
