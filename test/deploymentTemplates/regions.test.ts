import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fillManifest, readPackageSettings } from '../../appPackage/build';
import { loadConfig } from '../../config/config';
import { contentSecurityPolicy, directLineOrigins } from '../../server/webchatRoutes';
import { type ArmTemplate, RG_TEMPLATE, ROOT, readJson } from './armTemplate';

interface RegionHosts {
  readonly botLocation: string;
  readonly oauthUrl: string;
  readonly tokenHost: string;
  readonly directLineBaseUrl: string;
}

const REGIONS = readJson<ArmTemplate>(RG_TEMPLATE).variables?.regions as Record<string, RegionHosts>;
const MANIFEST_TEMPLATE = JSON.parse(readFileSync(path.join(ROOT, 'appPackage/manifest.template.json'), 'utf8')) as unknown;
const BOT_ID = '3f1e6c2a-9b7d-4e58-a0c1-2d4b6f8e0a13';
const BOT_DOMAIN = 'closure-bot.azurewebsites.net';

describe("a regional bot's hosts, from the template's regions to the bot, the Teams package and the web page", () => {
  for (const [region, hosts] of Object.entries(REGIONS)) {
    describe(region, () => {
      it('are accepted by the bot as OAUTH_URL and DIRECT_LINE_BASE_URL, the app settings the template sets', () => {
        const config = loadConfig({ OAUTH_URL: hosts.oauthUrl, DIRECT_LINE_BASE_URL: hosts.directLineBaseUrl });
        assert.equal(config.oauthUrl ?? '', hosts.oauthUrl);
        assert.equal(config.webchat.directLineBaseUrl, hosts.directLineBaseUrl);
      });

      it("put the region's token service in the Teams package's validDomains", () => {
        const settings = readPackageSettings({ MicrosoftAppId: BOT_ID, BOT_DOMAIN, OAUTH_URL: hosts.oauthUrl });
        const manifest = fillManifest(MANIFEST_TEMPLATE, settings);
        assert.ok((manifest.validDomains as string[]).includes(new URL(hosts.tokenHost).host), JSON.stringify(manifest.validDomains));
      });

      it("let the web chat page connect to the region's Direct Line and its stream, and nothing else outside", () => {
        const csp = contentSecurityPolicy('n0nce', directLineOrigins(hosts.directLineBaseUrl), []);
        const host = new URL(hosts.directLineBaseUrl).host;
        assert.match(csp, new RegExp(`connect-src 'self' https://${host.replace(/\./g, '\\.')} wss://${host.replace(/\./g, '\\.')};`));
      });
    });
  }
});
