import { createRequire } from 'node:module';
import { strict as assert } from 'node:assert';
import { redactTelemetryUrls } from '../../bot/telemetry';
import { signInThroughChat, startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { startIngestionStandIn, type IngestionStandIn } from '../support/ingestionStandIn';

const KIM = TEST_SEED.users[0];

describe('Application Insights telemetry', () => {
  describe('with a connection string', () => {
    let harness: BotHarness;
    let ingestion: IngestionStandIn;
    // Statsbeat, the SDK's reports about itself, goes to Microsoft's own endpoint and probes the Azure VM metadata
    // address (applicationinsights 2.x Statsbeat.js, AzureVirtualMachine.js; learn.microsoft.com/azure/azure-monitor/
    // app/statsbeat): off here, where nothing may leave loopback. Read once, when the SDK first loads.
    const statsbeat = process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
    before(async () => {
      process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
      ingestion = await startIngestionStandIn();
      harness = await startHarness({ APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString });
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
      await ingestion.waitForEvent('BotMessageReceived', 5_000);
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
