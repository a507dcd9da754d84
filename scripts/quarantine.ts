/**
 * `npm run quarantine` lists the records the background work set aside (services/background/quarantine.ts): record
 * kind, id, job, error code, failures, when. `npm run quarantine -- release <kind> <id>` lets the background work
 * try one again (after mending or deleting the record). Reads the same settings as the bot (STORAGE and its
 * settings, from the environment or .env); prints ids and codes only, never a record's content.
 */
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { DefaultAzureCredential } from '@azure/identity';
import { loadConfig } from '../config/config';
import { readEnvironment } from '../config/environment';
import { Quarantine, type QuarantineEntry } from '../services/background/quarantine';
import { createStores } from '../services/storage/createStores';

function quarantineOf(): Quarantine {
  const config = loadConfig(readEnvironment());
  const storage = config.storage;
  const stores =
    storage.kind === 'blob'
      ? createStores({
          kind: 'blob',
          containerClient: (storage.connectionString
            ? BlobServiceClient.fromConnectionString(storage.connectionString)
            : new BlobServiceClient(storage.accountUrl ?? '', new DefaultAzureCredential())
          ).getContainerClient(storage.container),
        })
      : storage.kind === 'file'
        ? createStores({ kind: 'file', dir: storage.dir })
        : undefined;
  if (!stores) throw new Error('STORAGE=memory keeps nothing between runs: there is no quarantine to list');
  return new Quarantine(stores.records<QuarantineEntry>('quarantine'));
}

async function main(args: readonly string[]): Promise<void> {
  const quarantine = quarantineOf();
  if (args[0] === 'release') {
    const [, kind, id] = args;
    if (!kind || !id) throw new Error('usage: npm run quarantine -- release <kind> <id>');
    const released = await quarantine.release(kind, id);
    process.stdout.write(released ? `Released ${kind} "${id}": the next pass tries it again.\n` : `${kind} "${id}" is not set aside.\n`);
    return;
  }
  const entries = await quarantine.list();
  if (entries.length === 0) return void process.stdout.write('Nothing is set aside.\n');
  for (const entry of entries)
    process.stdout.write(
      `${entry.at}  ${entry.kind}  ${entry.recordId}  job=${entry.job}  reason=${entry.reason}  failures=${entry.failures}\n`,
    );
  process.stdout.write(
    `${entries.length} set aside. Look at each in its store (${join('DATA_DIR', '<kind>', '<id>.json')} or blob <kind>/<id>.json).\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`quarantine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
