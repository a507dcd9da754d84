import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '@account-closure-bot/sandbox';
import { NEW_RG_PARAMETERS, NEW_RG_TEMPLATE, RG_PARAMETERS, RG_TEMPLATE } from '../deploymentTemplates/armTemplate';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, textsOf } from '../support/botHarness';
import { startBuiltBotProcess, type NodeProcess } from '../support/botProcess';
import { startConnectorStub, type ConnectorStub } from '../support/connectorStub';
import { startIngestionStandIn, type IngestionStandIn } from '../support/ingestionStandIn';
import { createLoopbackCertificate } from '../support/loopbackCertificate';
import { copyBuild, hideBuild } from '../support/sharedBuild';
import { openPortal } from '@account-closure-bot/sandbox/testing';
import type { DeployedAzure } from './armEvaluator';
import { startChannelIssuer, startManagedIdentityEndpoint, type ChannelIssuer, type ManagedIdentityEndpoint } from './azureStandIns';
import { blobRequest, channelUser, loopbackHosts } from './rehearsalSupport';
import { deployTemplate } from './templateAppSettings';

const ROOT = path.join(__dirname, '..', '..');
const TENANT_ID = '3f1c9a52-2d6e-4b7a-9c1e-5a8b7d6c4e21';
const UNMANAGED_TENANT = '7d2f4b18-9a3c-4e51-8b6d-0c1e2f3a4b5c';
const SINGLE_TENANT_APP_ID = '4b6d8f10-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
const APP_PASSWORD_SECRET = 'https://rehearsal-kv.vault.azure.net/secrets/bot-app-password';
/** Each bot identity with each closure mode; the regions spread over them (their hosts all lead to the stand-ins). */
const COMBINATIONS = [
  { appType: 'UserAssignedMSI', closureMode: 'portal', botRegion: 'global' },
  { appType: 'UserAssignedMSI', closureMode: 'graph', botRegion: 'europe' },
  { appType: 'SingleTenant', closureMode: 'portal', botRegion: 'india' },
  { appType: 'SingleTenant', closureMode: 'graph', botRegion: 'global' },
] as const;
const PEOPLE = COMBINATIONS.map((_combination, index) => ({
  id: `0e5a${index}c2d-1b3f-4a6e-9d8c-7f6e5d4c3b2a`,
  upn: `person${index}@northwindvolunteers.example`,
  displayName: `Noor Rehearsal${index}`,
  password: `Rehearsal-${index}-Passw0rd!`,
  tenantId: UNMANAGED_TENANT,
}));

/**
 * The deployment rehearsal: the app settings the ARM templates give the web app, computed from the templates and
 * their parameters files; the production build moved to another folder, as App Service's build moves it; started
 * with `node dist/index.js` and those settings; every Azure host on loopback (docs/deploy.md, "The deployment
 * rehearsal"). Built once per test run, shared with test/build (test/support/sharedBuild.ts), for every combination.
 */
describe('the deployment rehearsal (ARM app settings, dist/ moved, Azure on loopback)', function () {
  this.timeout(300_000);
  let work: string;
  let app: string;
  let sandbox: Sandbox;
  let azurite: RunningAzurite;
  let ca: string;
  let certPath: string;
  let issuer: ChannelIssuer;
  let msi: ManagedIdentityEndpoint;
  let ingestion: IngestionStandIn;
  let connector: ConnectorStub;
  const identityClientId = randomUUID();

  let restoreBuild: (() => Promise<void>) | undefined;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'closure-rehearsal-'));
    app = path.join(work, 'site', 'wwwroot');
    await mkdir(app, { recursive: true });
    // The run's one build (test/support/sharedBuild.ts) copied into the app folder, and the folder it was built in
    // moved out of its place until the rehearsal is over: the bots below can need nothing there.
    await copyBuild(path.join(app, 'dist'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    restoreBuild = await hideBuild();

    const certificate = await createLoopbackCertificate(work);
    certPath = certificate.certPath;
    ca = await readFile(certPath, 'utf8');
    sandbox = await startSandbox({
      port: 0,
      dataDir: path.join(work, 'sandbox'),
      exportDelayMs: 1_000,
      seed: {
        tenants: [
          {
            id: UNMANAGED_TENANT,
            displayName: 'Northwind Volunteers',
            domains: ['northwindvolunteers.example'],
            unmanaged: true,
            appServicePrincipal: false,
          },
        ],
        users: PEOPLE,
      },
    });
    azurite = await startAzurite({ https: certificate });
    issuer = await startChannelIssuer(['webchat', 'msteams', 'directline']);
    msi = await startManagedIdentityEndpoint({ clientId: identityClientId, tenantId: TENANT_ID });
    ingestion = await startIngestionStandIn();
    connector = await startConnectorStub();
  });
  after(async () => {
    await Promise.all([connector?.stop(), ingestion?.stop(), msi?.stop(), issuer?.stop(), azurite?.stop(), sandbox?.stop()]);
    await restoreBuild?.();
    await rm(work, { recursive: true, force: true });
  });

  /** What Azure would return for the resources the templates deploy, each on loopback. */
  function deployedAzure(): DeployedAzure {
    return {
      subscription: { subscriptionId: '00000000-0000-4000-8000-00000000aaaa', tenantId: TENANT_ID },
      resourceGroup: { name: 'rehearsal-rg', location: 'westeurope' },
      references: {
        'Microsoft.ManagedIdentity/userAssignedIdentities': { clientId: identityClientId, principalId: randomUUID(), tenantId: TENANT_ID },
        'Microsoft.Storage/storageAccounts': { primaryEndpoints: { blob: `${azurite.blobEndpoint}/` } },
        'Microsoft.Insights/components': { ConnectionString: ingestion.connectionString },
      },
      lists: {
        'listServiceSas:Microsoft.Storage/storageAccounts': () => ({ serviceSasToken: 'sv=2022-11-02&sr=c&sp=rcwl&sig=rehearsal' }),
        // The Direct Line channel's site key: the sandbox's Direct Line stands in for directline.botframework.com.
        'listChannelWithKeys:Microsoft.BotService/botServices/channels': () => ({
          properties: { properties: { sites: [{ key: sandbox.directLine.secret }] } },
        }),
      },
      now: new Date(),
    };
  }

  function deploy(template: string, parametersFile: string, combination: (typeof COMBINATIONS)[number], extra = {}) {
    const singleTenant = combination.appType === 'SingleTenant';
    return deployTemplate({
      template,
      parametersFile,
      azure: deployedAzure(),
      // Made by the operator before the deployment (docs/deploy.md, SingleTenant); the template writes the others.
      keyVault: new Map([['rehearsal-kv/bot-app-password', 'rehearsal-app-password']]),
      parameters: {
        ...extra,
        botName: 'rehearsal-bot',
        appType: combination.appType,
        botAppId: singleTenant ? SINGLE_TENANT_APP_ID : '',
        botAppPasswordSecretUri: singleTenant ? APP_PASSWORD_SECRET : '',
        oauthClientId: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        oauthClientSecret: 'rehearsal-oauth-secret',
        auditHashKey: AUDIT_KEY,
        closureMode: combination.closureMode,
        botRegion: combination.botRegion,
        operatorEmail: 'operators@example.org',
      },
    });
  }
  const AUDIT_KEY = randomBytes(32).toString('base64');

  for (const [index, combination] of COMBINATIONS.entries()) {
    const person = PEOPLE[index];
    describe(`MicrosoftAppType=${combination.appType}, closureMode=${combination.closureMode}, botRegion=${combination.botRegion}`, () => {
      let settings: Record<string, string>;
      let bot: NodeProcess;
      let appId: string;
      let telemetryFrom: number;

      before(async () => {
        const deployment = deploy(RG_TEMPLATE, RG_PARAMETERS, combination);
        settings = deployment.appSettings;
        appId = settings.MicrosoftAppId ?? '';
        telemetryFrom = ingestion.envelopes.length;
        // The containers the template creates in the storage account.
        const token = await storageToken();
        for (const container of deployment.blobContainers) {
          const created = await blobRequest(`${azurite.blobEndpoint}/${container}?restype=container`, 'PUT', token, ca);
          assert.ok([201, 409].includes(created.status), `container ${container}: ${created.status} ${created.body}`);
        }
        bot = await startBuiltBotProcess(
          path.join(app, 'dist', 'index.js'),
          {
            ...settings,
            ...loopbackHosts(settings, {
              tokenService: sandbox.tokenServiceUrl,
              directLine: sandbox.directLine.baseUrl,
              graph: sandbox.graphBaseUrl,
              login: sandbox.loginBaseUrl,
              portal: sandbox.portalUrl,
              channelIssuer: issuer,
            }),
            // What App Service adds to the app's environment: its managed identity endpoint, and (here) the
            // loopback address and a free port in place of 0.0.0.0:8080; the certificate Azurite's HTTPS uses.
            ...msi.environment,
            HOST: '127.0.0.1',
            PORT: '0',
            NODE_EXTRA_CA_CERTS: certPath,
            // Statsbeat, the SDK's reports about itself, goes to Microsoft's own fixed endpoint and probes the Azure
            // VM metadata address, neither of which a setting can point at loopback (applicationinsights 2.x Statsbeat.js).
            APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
          },
          [],
          app,
        );
      });
      after(async () => {
        await bot?.stop();
      });

      it('gets the same app settings from the new-resource-group template', () => {
        const fromNewGroup = deploy(NEW_RG_TEMPLATE, NEW_RG_PARAMETERS, combination, {
          groupName: 'rehearsal-rg',
          groupLocation: 'westeurope',
        }).appSettings;
        assert.deepEqual(fromNewGroup, settings);
        assert.equal(settings.CLOSURE, combination.closureMode);
        // Key Vault references resolved from the secrets the deployment wrote (or the operator made beforehand).
        assert.equal(settings.AUDIT_HASH_KEY, AUDIT_KEY);
        assert.equal(settings.DIRECT_LINE_SECRET, sandbox.directLine.secret);
        assert.equal(settings.MicrosoftAppType, combination.appType);
      });

      it('answers 401 to an activity with no token, a token signed by another key, or a token for another bot', async () => {
        const user = channelUser(bot.url, appId, connector.url, issuer);
        assert.equal((await user.post({ type: 'message', text: 'close my account' }, null)).status, 401);
        const valid = issuer.authorization(appId, connector.url);
        const [header, payload] = valid.slice('Bearer '.length).split('.');
        const otherKey = await startChannelIssuer(['webchat']);
        try {
          const forged = otherKey.authorization(appId, connector.url).split('.');
          assert.equal((await user.post({ type: 'message', text: 'hi' }, `${forged[0]}.${forged[1]}.${forged[2]}`)).status, 401);
        } finally {
          await otherKey.stop();
        }
        assert.equal((await user.post({ type: 'message', text: 'hi' }, `Bearer ${header}.${payload}.c2lnbmF0dXJl`)).status, 401);
        assert.equal((await user.post({ type: 'message', text: 'hi' }, issuer.authorization(randomUUID(), connector.url))).status, 401);
      });

      if (combination.appType === 'UserAssignedMSI') {
        it(
          combination.closureMode === 'portal'
            ? 'walks the hand-off: sign-in, eligibility, export offer, warning, continue, hand-off, closed on the page, verified'
            : "walks to the Graph closure, which the identity's own-tenant token turns into the hand-off, then closed on the page, verified",
          async () => {
            const user = channelUser(bot.url, appId, connector.url, issuer);
            const signIn = await submitSignInPage(signInLinkOf(await user.says('close my account')), person.upn, person.password);
            const offer = await user.says(magicCodeOf(signIn));
            cardActionData(offer, 'closure.export');
            const warning = await user.presses(cardActionData(offer, 'closure.skipExport'));
            const handOff = await user.presses(cardActionData(warning, 'closure.confirm'));
            if (combination.closureMode === 'graph') {
              // A managed identity gets tokens in its own tenant only; the unmanaged organization's account is not there.
              // Graph's resource is GRAPH_BASE_URL's origin (adapters/credentials/tokenProvider.ts graphScopeFor).
              const graph = new URL(sandbox.graphBaseUrl).origin;
              assert.ok(
                msi.requests.some((r) => r.resource === graph && r.clientId === identityClientId),
                'an app token for Graph',
              );
            }
            const check = cardActionData(handOff, 'closure.checkHandOff');
            assert.ok(JSON.stringify(handOff).includes(sandbox.portalUrl), 'the hand-off links to the "My data requests" page');
            const portal = await openPortal(sandbox.portalUrl);
            await portal.signIn(person.upn, person.password);
            await portal.closeAccount('yes');
            const verdict = textsOf(await user.presses(check));
            assert.match(verdict, /closed/i);
            assert.doesNotMatch(verdict, /can't confirm/i);
          },
        );

        it('used its managed identity for Blob Storage and the Bot Framework, and keeps its records in the container', async () => {
          const resources = new Set(msi.requests.filter((r) => r.clientId === identityClientId).map((r) => r.resource));
          assert.ok(resources.has('https://storage.azure.com'), [...resources].join(', '));
          assert.ok(resources.has('https://api.botframework.com'), `the token service calls: ${[...resources].join(', ')}`);
          for (const container of [settings.STORAGE_BLOB_CONTAINER, settings.STORAGE_BLOB_AUDIT_CONTAINER ?? '']) {
            if (!container) continue;
            const listing = await blobRequest(
              `${azurite.blobEndpoint}/${container}?restype=container&comp=list`,
              'GET',
              await storageToken(),
              ca,
            );
            assert.equal(listing.status, 200, listing.body);
            assert.match(listing.body, /<Name>[^<]+<\/Name>/, `records in the container ${container}`);
          }
        });
      } else {
        it('starts with the app password the Key Vault reference resolves to, and answers a signed message', async () => {
          assert.equal(settings.MicrosoftAppPassword, 'rehearsal-app-password');
          const { status, replies } = await channelUser(bot.url, appId, connector.url, issuer).post({ type: 'message', text: 'help' });
          assert.equal(status, 200);
          assert.ok(textsOf(replies).trim().length > 0, 'the help text');
          // The sign-in is not walked: the SDK gets a SingleTenant bot's own token with MSAL, which takes its
          // authority only over HTTPS and only after asking login.microsoftonline.com's instance discovery, which
          // no loopback stand-in can answer (docs/deploy.md, "The deployment rehearsal").
        });
      }

      it('stops on SIGTERM, and its telemetry arrived without the person in it', async () => {
        bot.kill('SIGTERM');
        assert.deepEqual(await bot.waitForExit(), { code: 0, signal: null }, bot.output());
        await ingestion.waitForEvent('BotMessageReceived', 30_000, telemetryFrom);
        const sent = JSON.stringify(ingestion.envelopes.slice(telemetryFrom));
        for (const personal of [person.upn, person.displayName, person.password, 'close my account', 'rehearsal-app-password', AUDIT_KEY])
          assert.ok(!sent.includes(personal), `telemetry holds "${personal.slice(0, 6)}..."`);
        assert.doesNotMatch(sent, /eyJ[\w-]{10,}\.[\w-]{10,}\./, 'no token');
      });
    });
  }

  /** A token Azurite accepts (`--oauth basic` checks issuer and audience), made here so it is not counted as the bot's. */
  async function storageToken(): Promise<string> {
    return issuer.sign({ iss: `https://sts.windows.net/${TENANT_ID}/`, aud: 'https://storage.azure.com', oid: randomUUID() });
  }
});
