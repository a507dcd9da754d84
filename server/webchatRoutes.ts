import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Next, Request, Response, Server } from 'restify';
import { inLanguageOf, t } from '../locales/i18n';
import { isAppError } from '../services/errors';
import type { Logger } from '../services/logger';
import type { WebChatTokenSource } from '../adapters/webchat/directLineTokenSource';
import { chatPageLanguage, renderChatPage } from './webchat/chatPage';
import { DEFAULT_WEBCHAT_TOKEN_RATE, TokenBuckets, type RateLimit } from './webchat/tokenBucket';

export interface WebChatRoutesOptions {
  /** Undefined when no Direct Line secret is configured: the page still loads, the token route answers 503. */
  readonly tokenSource?: WebChatTokenSource;
  /** Origins besides the page's own that may ask for tokens and frame the page (`WEBCHAT_ALLOWED_ORIGINS`). */
  readonly allowedOrigins: readonly string[];
  readonly logger: Logger;
  /** Default `DEFAULT_WEBCHAT_TOKEN_RATE`, per client address. */
  readonly rateLimit?: RateLimit;
  /**
   * How many `X-Forwarded-For` hops, from the right, proxies we trust appended (App Service's front end appends
   * one, `ip:port`); the client is the hop just before them, and earlier hops are the client's own claims. Default
   * 0: the socket address, the header ignored, so nobody can pick their own bucket by sending one.
   */
  readonly trustedProxyHops?: number;
  /** Epoch milliseconds; the rate limiter's clock. */
  readonly now?: () => number;
  /** The page's files (index.html, webchat.css, main.js); default the project's `web/`. */
  readonly webDir?: string;
}

const WEBCHAT_TOKEN_PATH = '/api/webchat/token';
const WEB_DIR = path.resolve(__dirname, '..', 'web');

/** The page at `/`, its assets under `/webchat/`, and `POST /api/webchat/token`. */
export function registerWebChatRoutes(server: Server, options: WebChatRoutesOptions): void {
  const { tokenSource, logger } = options;
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const buckets = new TokenBuckets(options.rateLimit ?? DEFAULT_WEBCHAT_TOKEN_RATE, options.now ?? Date.now);
  const webDir = options.webDir ?? WEB_DIR;
  const page = readFileSync(path.join(webDir, 'index.html'), 'utf8');
  const assets: Record<string, { file: string; type: string }> = {
    '/webchat/webchat.css': { file: path.join(webDir, 'webchat.css'), type: 'text/css; charset=utf-8' },
    '/webchat/main.js': { file: path.join(webDir, 'main.js'), type: 'text/javascript; charset=utf-8' },
    '/webchat/webchat.js': { file: webChatBundlePath(), type: 'text/javascript; charset=utf-8' },
  };
  const loaded = new Map<string, Promise<Buffer>>();
  const connectTo = tokenSource ? directLineOrigins(tokenSource.domain) : undefined;

  server.get('/', (req: Request, res: Response, next: Next) => {
    const oneSite = connectTo && tokenSource ? loopbackSiteOf(tokenSource.domain, req.header('host'), req.url ?? '/') : undefined;
    if (oneSite) {
      // The page and the sandbox's Direct Line must be one site, or Web Chat's sign-in binding cookie is not sent.
      res.writeHead(307, { ...securityHeaders(), location: oneSite, 'cache-control': 'no-store' });
      res.end();
      return next(false);
    }
    // A fresh nonce per response: Web Chat's emotion styles carry it, so style-src needs no 'unsafe-inline'.
    const nonce = randomBytes(16).toString('base64');
    const html = renderChatPage(page, chatPageLanguage(req.getQuery(), req.header('accept-language')), nonce);
    res.writeHead(200, {
      ...securityHeaders(),
      vary: 'accept-language',
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy(nonce, connectTo, [...allowed]),
    });
    res.end(html);
    return next();
  });

  for (const [route, asset] of Object.entries(assets)) {
    server.get(route, async (_req: Request, res: Response) => {
      let body = loaded.get(route);
      if (!body) loaded.set(route, (body = readFile(asset.file)));
      const bytes = await body;
      res.writeHead(200, {
        ...securityHeaders(),
        'content-type': asset.type,
        'content-length': bytes.length,
        'cache-control': 'public, max-age=3600',
      });
      res.end(bytes);
    });
  }

  // A CORS preflight is answered before the body parser, which refuses a request without a content type (415).
  server.pre((req: Request, res: Response, next: Next) => {
    if (req.method !== 'OPTIONS' || req.path() !== WEBCHAT_TOKEN_PATH) return next();
    const origin = req.header('origin');
    if (!origin || !originAllowed(req, origin)) {
      res.send(403, problem('OriginNotAllowed', said(req, 'originNotAllowed')));
      return next(false);
    }
    res.writeHead(204, {
      ...corsHeaders(origin),
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    res.end();
    return next(false);
  });

  server.post(WEBCHAT_TOKEN_PATH, async (req: Request, res: Response) => {
    res.header('cache-control', 'no-store');
    // The origin first: another site's requests must not use up the budget of the visitors' address.
    const origin = req.header('origin');
    if (!origin || !originAllowed(req, origin)) {
      logger.warn(`web chat token refused for origin "${origin ?? '(none)'}"`);
      // What to change is for the operator's log (above); the visitor reads that this site cannot start it.
      res.send(403, problem('OriginNotAllowed', said(req, 'originNotAllowed')));
      return;
    }
    const waitMs = buckets.take(clientKey(req, options.trustedProxyHops ?? 0));
    if (waitMs > 0) {
      logger.warn('web chat token refused: rate limit', { waitMs });
      res.header('retry-after', String(Math.ceil(waitMs / 1000)));
      res.send(429, problem('TooManyRequests', said(req, 'tooManyRequests')));
      return;
    }
    for (const [name, value] of Object.entries(corsHeaders(origin))) res.header(name, value);
    if (!tokenSource) {
      logger.warn(
        'web chat token refused: no Direct Line secret is configured (DIRECT_LINE_SECRET; a shared sandbox, SANDBOX_URL, has no Direct Line)',
      );
      res.send(503, problem('WebChatNotConfigured', said(req, 'notConfigured')));
      return;
    }
    try {
      const userId = `dl_${randomBytes(16).toString('hex')}`;
      const issued = await tokenSource.issue({ userId, trustedOrigins: [origin] });
      res.send(200, {
        token: issued.token,
        conversationId: issued.conversationId,
        userId: issued.userId,
        domain: tokenSource.domain,
        expiresIn: issued.expiresInSeconds,
      });
    } catch (error) {
      logger.error('web chat token could not be issued', { error });
      const language = chatPageLanguage('', req.header('accept-language'));
      if (isAppError(error))
        res.send(
          error.status,
          problem(
            error.code,
            inLanguageOf(language, () => t(`errors.${error.code}`, { ...error.userValues })),
          ),
        );
      else res.send(500, problem('InternalError', said(req, 'internal')));
    }
  });

  /** The page's own origin (same host as the request) is always allowed; others only when listed. */
  function originAllowed(req: Request, origin: string): boolean {
    if (allowed.has(origin)) return true;
    try {
      return new URL(origin).host === req.header('host');
    } catch {
      return false;
    }
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where the page must be loaded from to be on the same site as a loopback Direct Line (the sandbox's), or undefined
 * when it already is (or either is not on loopback). `localhost` and `127.0.0.1` are different sites to a browser
 * (a site is the scheme and registrable domain, or the IP address: https://html.spec.whatwg.org/multipage/browsers.html#sites),
 * so the sandbox's browser-binding cookie (SameSite=Lax, set by Web Chat's `getsessionid` call) is neither stored
 * nor sent when the page is on the other name, and every sign-in then asks for a magic code (issue 20). The page
 * moves to the Direct Line's host name, on its own port and path, with its query (the chosen language) kept.
 */
export function loopbackSiteOf(directLineDomain: string, hostHeader: string | undefined, pathAndQuery: string): string | undefined {
  if (!hostHeader) return undefined;
  const directLine = new URL(directLineDomain);
  let page: URL;
  try {
    page = new URL(`http://${hostHeader}`);
  } catch {
    return undefined;
  }
  if (!LOOPBACK_NAMES.has(directLine.hostname) || !LOOPBACK_NAMES.has(page.hostname) || page.hostname === directLine.hostname)
    return undefined;
  const port = page.port ? `:${page.port}` : '';
  return `${directLine.protocol}//${directLine.hostname}${port}${pathAndQuery.startsWith('/') ? pathAndQuery : '/'}`;
}

/** `dist/webchat.js` (not webchat-minimal.js, which cannot render Adaptive Cards); the package's exports hide dist/. */
function webChatBundlePath(): string {
  return path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');
}

/**
 * The hash of an empty `<style>`: react-scroll-to-bottom (inside Web Chat 4.18) creates its emotion sheet without
 * Web Chat's nonce, empty, and fills it through CSSOM `insertRule`, which CSP does not restrict.
 */
const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/**
 * The Direct Line origin and its WebSocket twin: Web Chat streams from the same host (`wss://` for Azure's
 * `https://directline.botframework.com`, `ws://` for the sandbox's `http://` one), and CSP's `'self'` or an
 * `https:` origin does not cover a `wss:` one on another host.
 */
export function directLineOrigins(domain: string): string {
  const { origin, protocol } = new URL(domain);
  const streamProtocol = protocol === 'https:' ? 'wss:' : 'ws:';
  return `${origin} ${streamProtocol}${origin.slice(protocol.length)}`;
}

/** Web Chat's styles are emotion `<style>` tags carrying the nonce; avatars and icons are data: URLs. */
export function contentSecurityPolicy(nonce: string, directLineOrigins: string | undefined, frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}' ${EMPTY_STYLE_HASH}`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${directLineOrigins ? ` ${directLineOrigins}` : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors 'self'${frameAncestors.map((o) => ` ${o}`).join('')}`,
  ].join('; ');
}

function securityHeaders(): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

/** A problem's sentence (`webchat.problems.*`) in the language the request asks for (`Accept-Language`; main.js sends the page's). */
function said(req: Request, key: 'originNotAllowed' | 'tooManyRequests' | 'notConfigured' | 'internal'): string {
  return inLanguageOf(chatPageLanguage('', req.header('accept-language')), () => t(`webchat.problems.${key}`));
}

function problem(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * The client's address: with N trusted hops, the N-th `X-Forwarded-For` entry from the right (what the outermost
 * trusted proxy saw). A header with fewer entries did not come through those proxies: the socket address then.
 */
function clientKey(req: Request, trustedProxyHops: number): string {
  const hops =
    trustedProxyHops > 0
      ? (req.header('x-forwarded-for') ?? '')
          .split(',')
          .map((hop) => hop.trim())
          .filter(Boolean)
      : [];
  const forwarded = hops.length >= trustedProxyHops ? hops[hops.length - trustedProxyHops] : undefined;
  const address = forwarded || req.socket.remoteAddress || 'unknown';
  // App Service writes `ip:port`; one client's connections must share a bucket.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  return /^[^:]+:\d+$/.test(address) ? address.slice(0, address.lastIndexOf(':')) : address;
}
