import { createHttpClient, type HttpClient, type HttpClientOptions } from '../../../adapters/http/httpClient';
import type { LogRecord } from '../../../services/logger';
import { createRecordingLogger, createRecordingSleep } from './loopbackServer';

export interface TestHttp {
  readonly http: HttpClient;
  /** Every wait the client asked for; nothing really sleeps. */
  readonly waits: number[];
  readonly records: LogRecord[];
  readonly logger: ReturnType<typeof createRecordingLogger>['logger'];
}

/** The production HTTP client with a recording logger, a sleep that returns at once and a short timeout. */
export function createTestHttp(overrides: Partial<HttpClientOptions> = {}): TestHttp {
  const { logger, records } = createRecordingLogger();
  const { sleep, waits } = createRecordingSleep();
  const http = createHttpClient({
    logger,
    timeoutMs: 2_000,
    retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 },
    sleep,
    random: () => 0.5,
    ...overrides,
  });
  return { http, waits, records, logger };
}

/** Resolves with the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}
