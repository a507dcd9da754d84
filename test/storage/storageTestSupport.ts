import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { isAppError, type ErrorCode } from '../../services/errors';
import { createLogger, type Logger, type LogRecord } from '../../services/logger';

export async function expectAppError(work: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const error = await work.then(
    () => assert.fail(`expected AppError ${code}, but it resolved`),
    (caught: unknown) => caught,
  );
  assert.ok(isAppError(error, code), `expected AppError ${code}, got ${String(error)}`);
  return error;
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function createTempDir(prefix = 'storage-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

let containers = 0;
/** A container that does not exist yet, so each store under test starts empty and must create it. */
export function createFreshContainer(connectionString: string): ContainerClient {
  containers += 1;
  return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(`test-${process.pid}-${containers}`);
}

export function createRecordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: createLogger('test', (record) => records.push(record), 'debug'), records };
}
