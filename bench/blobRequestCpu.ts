/**
 * `node --import tsx bench/blobRequestCpu.ts [--requests 2000] [--rounds 4] [--profile DIR]`: the bot's CPU per Blob
 * request, by client, against an Azurite of its own (in memory, in its own process, so only the client's CPU is
 * counted). Each round runs every client in turn, in an order that rotates, over the same conversation-state item
 * (a read and a write per pair, one at a time):
 *
 * - `BlobsStorage`: botbuilder-azure-blobs 4.23.3 (zod parses, p-map, key sanitising, the SDK's pipeline);
 * - `BlobStateStorage`: the bot's conversation-state store (bot/storage/blobStateStorage.ts) on a ContainerClient;
 * - `ContainerClient`: @azure/storage-blob alone (download and upload of one blob), the SDK's floor;
 * - `node:http`: the same two requests signed with the shared key by hand, keep-alive agent: the floor of the wire.
 *
 * CPU is `process.cpuUsage()` (user + system, this process's every thread) per request; the first round is a warm-up.
 * Figures go to docs/performance.md with the machine's load (`uptime`) beside them.
 */
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { Storage } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { BlobStateStorage } from '../bot/storage/blobStateStorage';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../test/support/azurite';

const CONTAINER = 'request-cpu';
const KEY = 'msteams/conversations/19:abc@thread.v2/users/29:1a2b3c4d-5e6f';
/** About the size of a conversation's state at the warning card (a dialog stack of three, progress, language). */
const ITEM = {
  dialogState: {
    dialogStack: [
      { id: 'mainDialog', state: { options: {}, values: { instanceId: 'f3c1c7a2-3b1e-4a55-9a3e-0d3d4c6a1b2c' }, stepIndex: 1 } },
      {
        id: 'closeAccountDialog',
        state: { options: { locale: 'en-US' }, values: { requestId: 'cr_0123456789abcdef0123456789abcdef' }, stepIndex: 3 },
      },
      { id: 'confirmPrompt', state: { options: { prompt: { type: 'message', attachments: [] } }, state: { attemptCount: 0 } } },
    ],
  },
  progress: { step: 'warning', requestId: 'cr_0123456789abcdef0123456789abcdef', startedAt: '2026-12-07T22:38:00.000Z', language: 'en' },
  profile: { locale: 'en-US', timeZone: 'Europe/Berlin', signedIn: true },
};

interface Client {
  readonly name: string;
  pair(n: number): Promise<void>;
}

function storageClient(name: string, storage: Storage): Client {
  return {
    name,
    async pair(n) {
      const read = await storage.read([KEY]);
      if (!read[KEY] && n > 0) throw new Error(`${name}: state not read back`);
      await storage.write({ [KEY]: { ...ITEM, turn: n, eTag: '*' } });
    },
  };
}

/** @azure/storage-blob alone; `reuse`: one BlockBlobClient for the blob instead of one per request. */
function sdkClient(container: ContainerClient, reuse: boolean): Client {
  const blobName = reuse ? 'sdk/reused.json' : 'sdk/state.json';
  const reused = container.getBlockBlobClient(blobName);
  return {
    name: reuse ? 'ContainerClient, reused blob client' : 'ContainerClient',
    async pair(n) {
      const response = await (reuse ? reused : container.getBlobClient(blobName)).download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ ...ITEM, turn: n });
      await (reuse ? reused : container.getBlockBlobClient(blobName)).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    },
  };
}

/** Shared Key by hand: https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key */
function rawClient(endpoint: string): Client {
  const agent = new Agent({ keepAlive: true });
  const key = Buffer.from(AZURITE_KEY, 'base64');
  const url = new URL(`${endpoint}/${CONTAINER}/raw%2Fstate.json`);
  const send = (method: 'GET' | 'PUT', body?: string): Promise<Buffer> => {
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2025-11-05' };
    if (method === 'PUT') Object.assign(headers, { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/json' });
    const canonicalHeaders = Object.keys(headers)
      .filter((name) => name.startsWith('x-ms-'))
      .sort()
      .map((name) => `${name}:${headers[name]}\n`)
      .join('');
    const toSign = [method, '', '', length ? String(length) : '', '', headers['content-type'] ?? '', '', '', '', '', '', ''].join('\n');
    const signature = createHmac('sha256', key).update(`${toSign}\n${canonicalHeaders}/${AZURITE_ACCOUNT}${url.pathname}`).digest('base64');
    headers.authorization = `SharedKey ${AZURITE_ACCOUNT}:${signature}`;
    headers['content-length'] = String(length);
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          res.statusCode && res.statusCode < 300 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    name: 'node:http',
    async pair(n) {
      JSON.parse((await send('GET')).toString('utf8'));
      await send('PUT', JSON.stringify({ ...ITEM, turn: n }));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '4' }, profile: { type: 'string' } },
  });
  const pairs = Math.max(1, Math.round(Number(values.requests) / 2));
  const rounds = Math.max(1, Number(values.rounds));
  const azurite = await startAzurite();
  try {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER);
    await container.createIfNotExists();
    const clients: Client[] = [
      storageClient('BlobsStorage', new BlobsStorage(azurite.connectionString, CONTAINER)),
      storageClient('BlobStateStorage', new BlobStateStorage({ containerClient: container })),
      sdkClient(container, false),
      sdkClient(container, true),
      rawClient(azurite.blobEndpoint),
    ];
    const seed = JSON.stringify(ITEM);
    for (const name of ['sdk/state.json', 'sdk/reused.json', 'raw/state.json'])
      await container.getBlockBlobClient(name).upload(seed, Buffer.byteLength(seed));
    for (const client of clients) await client.pair(0); // the storages' first write makes their blob
    const cpu = new Map<string, number>(clients.map((client) => [client.name, 0]));
    const system = new Map<string, number>(clients.map((client) => [client.name, 0]));
    const session = values.profile ? new Session() : undefined;
    const load = loadavg()[0].toFixed(2);
    for (let round = 0; round <= rounds; round++) {
      const order = clients.map((_, i) => clients[(i + round) % clients.length]);
      for (const client of order) {
        if (session && round > 0) {
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 100 });
          await session.post('Profiler.start');
        }
        const start = process.cpuUsage();
        for (let n = 1; n <= pairs; n++) await client.pair(n);
        const used = process.cpuUsage(start);
        if (session && round > 0 && values.profile) {
          const { profile } = await session.post('Profiler.stop');
          session.disconnect();
          await mkdir(values.profile, { recursive: true });
          await writeFile(join(values.profile, `${client.name.replace(/[^\w]/g, '')}-${round}.cpuprofile`), JSON.stringify(profile));
        }
        if (round > 0) {
          cpu.set(client.name, (cpu.get(client.name) ?? 0) + used.user + used.system);
          system.set(client.name, (system.get(client.name) ?? 0) + used.system);
        }
      }
    }
    const perRequest = (name: string, of = cpu) => (of.get(name) ?? 0) / 1000 / (rounds * pairs * 2);
    const floor = perRequest('node:http');
    console.log(
      `load average ${load} at the start, ${loadavg()[0].toFixed(2)} at the end; ${rounds} rounds x ${pairs * 2} requests${session ? ' (PROFILED)' : ''}`,
    );
    for (const client of clients) {
      console.log(
        `${client.name.padEnd(36)} ${perRequest(client.name).toFixed(3)} ms CPU per request (system ${perRequest(client.name, system).toFixed(3)})  ${(perRequest(client.name) / floor).toFixed(2)}x node:http`,
      );
    }
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
