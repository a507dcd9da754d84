import { ConnectionStatus, DirectLine, type Activity, type Message } from 'botframework-directlinejs';
import { WebSocket as NodeWebSocket } from 'ws';
import XMLHttpRequest from 'xhr2';

/**
 * Microsoft's Direct Line client (botframework-directlinejs, the one inside Web Chat) in Node. It needs a browser's
 * XMLHttpRequest (RxJS ajax) and, for `webSocket: true`, a global `WebSocket` (it checks the global before using
 * its `WebSocket` option; Node 20 has none): xhr2 and ws stand in for them. Nothing of the protocol is ours.
 */
const globals = globalThis as unknown as { XMLHttpRequest?: unknown; WebSocket?: unknown };
globals.XMLHttpRequest ??= XMLHttpRequest;
globals.WebSocket ??= NodeWebSocket;

/** Waiting on the client, not a timing assertion: the wait gives up only so a broken build fails instead of hanging. */
const GIVE_UP_AFTER_MS = 20_000;

export type Transport = 'webSocket' | 'polling';

export interface DirectLineJsOptions {
  readonly domain: string;
  readonly token?: string;
  readonly secret?: string;
  readonly conversationId?: string;
  readonly transport: Transport;
  readonly locale?: string;
  readonly watermark?: string;
}

/** One directlinejs client and everything it received, in order. */
export class DirectLineJsClient {
  readonly seen: Activity[] = [];
  readonly statuses: ConnectionStatus[] = [];
  readonly directLine: DirectLine;
  private readonly waiters = new Set<() => void>();
  private readonly subscriptions: Array<{ unsubscribe(): void }> = [];

  constructor(options: DirectLineJsOptions) {
    this.directLine = new DirectLine({
      domain: options.domain,
      token: options.token,
      secret: options.secret,
      conversationId: options.conversationId,
      watermark: options.watermark,
      webSocket: options.transport === 'webSocket',
      pollingInterval: 200,
      ...(options.locale ? { conversationStartProperties: { locale: options.locale } } : {}),
    });
    this.subscriptions.push(
      this.directLine.activity$.subscribe({
        next: (activity) => {
          this.seen.push(activity);
          this.notify();
        },
        error: (error: unknown) => this.statuses.push(ConnectionStatus.FailedToConnect) && void error,
      }),
      this.directLine.connectionStatus$.subscribe((status) => {
        this.statuses.push(status);
        this.notify();
      }),
    );
  }

  get conversationId(): string {
    return String((this.directLine as unknown as { conversationId?: string }).conversationId);
  }

  get streamUrl(): string | undefined {
    return (this.directLine as unknown as { streamUrl?: string }).streamUrl;
  }

  /** Resolves with the first activity (seen or to come) that matches. */
  async waitFor(predicate: (activity: Activity) => boolean, what: string): Promise<Activity> {
    return this.until(
      () => this.seen.find(predicate),
      () => `${what}; saw: ${JSON.stringify(this.seen.map((a) => (a as Message).text ?? a.type))}`,
    );
  }

  async waitForStatus(status: ConnectionStatus): Promise<void> {
    await this.until(
      () => (this.statuses.includes(status) ? true : undefined),
      () => `connection status ${ConnectionStatus[status]}; saw: ${this.statuses.map((s) => ConnectionStatus[s]).join(', ')}`,
    );
  }

  says(text: string): Promise<string> {
    return this.post({ type: 'message', from: { id: 'web-chat-user', role: 'user' }, text });
  }

  presses(value: Record<string, unknown>): Promise<string> {
    return this.post({ type: 'message', from: { id: 'web-chat-user', role: 'user' }, value });
  }

  /** The id the service gave the posted activity; rejects with the HTTP error directlinejs got. */
  post(activity: Activity): Promise<string> {
    return new Promise((resolve, reject) => {
      this.directLine.postActivity(activity).subscribe({ next: resolve, error: reject });
    });
  }

  end(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.directLine.end();
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter();
  }

  private until<T>(check: () => T | undefined, describe: () => string): Promise<T> {
    const found = check();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const now = check();
        if (now === undefined) return;
        cleanup();
        resolve(now);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`gave up waiting for ${describe()}`));
      }, GIVE_UP_AFTER_MS);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }
}

export { ConnectionStatus };
