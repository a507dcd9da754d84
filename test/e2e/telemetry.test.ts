import { createRequire } from 'node:module';
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { redactTelemetryUrls } from '../../bot/telemetry';
import { signInThroughChat, startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';

const KIM = TEST_SEED.users[0];

/** Application Insights' ingestion endpoint on loopback: collects the envelopes the SDK sends. */
interface Envelope {
  readonly data?: { readonly baseData?: { readonly name?: string } };
}

async function startIngestion(): Promise<{ url: string; envelopes: Envelope[]; stop(): Promise<void> }> {
  const envelopes: Envelope[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const lines = text.trim().startsWith('[')
        ? (JSON.parse(text) as Envelope[])
        : text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Envelope);
      envelopes.push(...lines);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    envelopes,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Application Insights telemetry', () => {
  describe('with a connection string', () => {
    let harness: BotHarness;
    let ingestion: Awaited<ReturnType<typeof startIngestion>>;
    // Statsbeat, the SDK's reports about itself, goes to Microsoft's own endpoint and probes the Azure VM metadata
    // address (applicationinsights 2.x Statsbeat.js, AzureVirtualMachine.js; learn.microsoft.com/azure/azure-monitor/
    // app/statsbeat): off here, where nothing may leave loopback. Read once, when the SDK first loads.
    const statsbeat = process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
    before(async () => {
      process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
      ingestion = await startIngestion();
      harness = await startHarness({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${ingestion.url}`,
      });
    });
    after(async () => {
      await ingestion.stop();
      // The SDK patches node's http process-wide once started; the suites after this one must not carry it.
      // The copy botbuilder-applicationinsights loaded (2.x), not the top-level one another package brings (3.x).
      const fromBotbuilder = createRequire(require.resolve('botbuilder-applicationinsights'));
      (fromBotbuilder('applicationinsights') as { dispose(): void }).dispose();
      if (statsbeat === undefined) delete process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
      else process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = statsbeat;
    });

    it("sends the bot's activity events, with no message text, name, address or token in any of them", async () => {
      const kim = harness.user();
      await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
      await harness.stop();
      for (let i = 0; i < 50 && !ingestion.envelopes.some((e) => e.data?.baseData?.name === 'BotMessageReceived'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const names = ingestion.envelopes.map((e) => e.data?.baseData?.name);
      assert.ok(names.includes('BotMessageReceived'), `events sent: ${[...new Set(names)].join(', ')}`);
      const all = JSON.stringify(ingestion.envelopes);
      for (const personal of ['close my account', KIM.upn, KIM.password, 'Kim Akers'])
        assert.ok(!all.includes(personal), `telemetry contains "${personal.slice(0, 4)}..."`);
    });
  });

  describe('redactTelemetryUrls', () => {
    it('cuts addresses and query strings out of dependency URLs', () => {
      const envelope = {
        data: {
          baseType: 'RemoteDependencyData',
          baseData: {
            data: 'GET https://login.microsoftonline.com/common/userrealm/kim@tailspin.example?api-version=2.1',
            target: 'login.microsoftonline.com',
            name: 'GET /common/userrealm/kim%40tailspin.example',
          },
        },
      };
      redactTelemetryUrls(envelope);
      assert.equal(envelope.data.baseData.data, 'GET https://login.microsoftonline.com/common/userrealm/{redacted}');
      assert.equal(envelope.data.baseData.name, 'GET /common/userrealm/{redacted}');
      assert.equal(envelope.data.baseData.target, 'login.microsoftonline.com');
    });
  });
});
