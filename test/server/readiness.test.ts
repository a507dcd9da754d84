import assert from 'node:assert/strict';
import restify from 'restify';
import { Readiness, settingsProbe } from '../../server/readiness';
import { createRecordingLogger } from '../storage/storageTestSupport';

const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/direct-line/)';

describe('/readyz (server/readiness.ts)', () => {
  let now: number;
  let storageUp: boolean;
  let probes: number;
  const createReadiness = (settings: Record<string, string | undefined>, log = createRecordingLogger()) =>
    new Readiness({
      parts: [
        {
          name: 'storage',
          probe: async () => {
            probes += 1;
            if (!storageUp) throw new Error('connect ECONNREFUSED 10.0.0.4:443');
          },
        },
        { name: 'settings', probe: settingsProbe(settings) },
      ],
      timeoutMs: 1_000,
      cacheMs: 5_000,
      clock: () => new Date(now),
      logger: log.logger,
    });
  beforeEach(() => {
    now = Date.parse('2026-12-01T09:00:00Z');
    storageUp = true;
    probes = 0;
  });

  it('answers 200 when every part answers, and 503 naming the part that does not, over HTTP', async () => {
    const readiness = createReadiness({ DIRECT_LINE_SECRET: 'a-real-secret' });
    const server = restify.createServer();
    readiness.register(server);
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const url = `http://127.0.0.1:${server.address().port}/readyz`;
    try {
      const ready = await fetch(url);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', parts: { storage: 'ok', settings: 'ok' } });
      storageUp = false;
      now += 5_000;
      const down = await fetch(url);
      assert.equal(down.status, 503);
      const text = await down.text();
      assert.deepEqual(JSON.parse(text), { status: 'not ready', parts: { storage: 'not ready', settings: 'ok' } });
      assert.doesNotMatch(text, /10\.0\.0\.4|ECONNREFUSED/, 'the reason stays in the log');
    } finally {
      server.close();
    }
  });

  it('reuses an answer for a few seconds, so polling costs one probe per interval', async () => {
    const readiness = createReadiness({});
    await readiness.check();
    await readiness.check();
    now += 4_999;
    await readiness.check();
    assert.equal(probes, 1);
    now += 1;
    await readiness.check();
    assert.equal(probes, 2);
  });

  it('names settings not ready when one is an unresolved Key Vault reference, never its value', async () => {
    const log = createRecordingLogger();
    const report = await createReadiness({ DIRECT_LINE_SECRET: REFERENCE, MicrosoftAppPassword: 'fine' }, log).check();
    assert.equal(report.ready, false);
    assert.deepEqual(report.parts, { storage: 'ok', settings: 'not ready' });
    const logged = JSON.stringify(
      log.records.map((record) => ({
        message: record.message,
        fields: record.fields,
        error: String((record.fields?.error as Error)?.message),
      })),
    );
    assert.match(logged, /DIRECT_LINE_SECRET/);
    assert.doesNotMatch(logged, /vault\.azure\.net/);
  });
});
