import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readPackageSettings } from '../../appPackage/build';
import { SETTINGS } from '../../config/settings';
import {
  type ArmParametersFile,
  type ArmTemplate,
  DEPLOY_DOC,
  DEPLOYMENTS,
  NEW_RG_TEMPLATE,
  RG_TEMPLATE,
  TEMPLATES_DIR,
  expressionProblems,
  innerDeployments,
  isExpression,
  isSecureType,
  parameterValueProblems,
  readJson,
  referencedNames,
  relative,
  templateExpressions,
  webApps,
} from './armTemplate';
import { findSecretLiterals } from './secretScan';
import { buildNewResourceGroupTemplate } from './syncNewResourceGroupTemplate';

/** App settings read by the platform or a library rather than config/settings.ts, with the reason. */
const PLATFORM_SETTINGS: Record<string, string> = {
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'App Service runs npm install after a zip deploy',
  AZURE_CLIENT_ID: '@azure/identity picks the user-assigned identity with it',
};

const AZURE_SETTINGS = SETTINGS.filter((setting) => setting.azure).map((setting) => setting.name);
const SECRET_SETTINGS = new Set<string>(SETTINGS.filter((setting) => 'secret' in setting && setting.secret).map((setting) => setting.name));

/** The template and every inner deployment's template, each checked on its own declarations. */
function templatesIn(template: ArmTemplate, where: string): { readonly template: ArmTemplate; readonly where: string }[] {
  return [{ template, where }, ...innerDeployments(template).flatMap((inner) => templatesIn(inner.template, `${where} > ${inner.name}`))];
}

function secureParameterNames(template: ArmTemplate): Set<string> {
  return new Set(
    Object.entries(template.parameters ?? {})
      .filter(([, p]) => p && isSecureType(p.type))
      .map(([name]) => name),
  );
}

describe('deployment templates', () => {
  for (const deployment of DEPLOYMENTS) {
    const file = relative(deployment.template);
    const template = readJson<ArmTemplate>(deployment.template);
    const scopes = templatesIn(template, file);

    describe(file, () => {
      it('declares every parameter and variable its expressions use', () => {
        const problems = scopes.flatMap(({ template: t, where }) =>
          templateExpressions(t).flatMap((expression) => [
            ...referencedNames(expression, 'parameters')
              .filter((n) => !t.parameters?.[n])
              .map((n) => `${where}: parameters('${n}') is not declared`),
            ...referencedNames(expression, 'variables')
              .filter((n) => !(n in (t.variables ?? {})))
              .map((n) => `${where}: variables('${n}') is not declared`),
          ]),
        );
        assert.deepEqual(problems, []);
      });

      it('writes only balanced expressions that call template functions', () => {
        const problems = scopes.flatMap(({ template: t, where }) =>
          templateExpressions(t).flatMap((e) => expressionProblems(e).map((p) => `${where}: ${p}`)),
        );
        assert.deepEqual(problems, []);
      });

      it('passes every nested deployment exactly the parameters its template declares', () => {
        const problems = scopes.flatMap(({ template: t, where }) =>
          innerDeployments(t).flatMap((inner) =>
            parameterValueProblems(inner.template.parameters ?? {}, inner.parameters, { secureMayBeSuppliedLater: false }).map(
              (p) => `${where} > ${inner.name}: ${p}`,
            ),
          ),
        );
        assert.deepEqual(problems, []);
      });

      it('describes every parameter for the person deploying', () => {
        const bare = scopes.flatMap(({ template: t, where }) =>
          Object.entries(t.parameters ?? {})
            .filter(([, p]) => !p?.metadata?.description)
            .map(([name]) => `${where}: ${name}`),
        );
        assert.deepEqual(bare, []);
      });

      it('gives no secure parameter a default value', () => {
        const withDefault = scopes.flatMap(({ template: t, where }) =>
          Object.entries(t.parameters ?? {})
            .filter(([, p]) => p && isSecureType(p.type) && p.defaultValue !== undefined)
            .map(([name]) => `${where}: ${name}`),
        );
        assert.deepEqual(withDefault, []);
      });

      it('declares every parameter named like a secret as secure', () => {
        const plain = scopes.flatMap(({ template: t, where }) =>
          Object.entries(t.parameters ?? {})
            .filter(([name, p]) => p && /(secret|password|key)$/i.test(name) && !isSecureType(p.type))
            .map(([name]) => `${where}: ${name}`),
        );
        assert.deepEqual(plain, []);
      });

      it('sets every setting config/settings.ts marks azure as an app setting of the web app', () => {
        const apps = webApps(template);
        assert.equal(apps.length, 1, 'one web app');
        const names = new Set(apps[0]?.appSettings.map((setting) => setting.name));
        assert.deepEqual(
          AZURE_SETTINGS.filter((name) => !names.has(name)),
          [],
        );
      });

      it('sets only app settings the bot, its platform or its libraries read', () => {
        const known = new Set<string>([...SETTINGS.map((s) => s.name), ...Object.keys(PLATFORM_SETTINGS)]);
        const unknown = webApps(template).flatMap((app) => app.appSettings.map((s) => s.name).filter((name) => !known.has(name)));
        assert.deepEqual(unknown, []);
      });

      it('takes secret app settings from secure parameters, Key Vault references or list functions, never from literals', () => {
        const problems = scopes.flatMap(({ template: t, where }) => {
          const secure = secureParameterNames(t);
          return webApps({ ...t, resources: t.resources.filter((r) => r.type === 'Microsoft.Web/sites') }).flatMap((app) =>
            app.appSettings
              .filter((setting) => SECRET_SETTINGS.has(setting.name) || setting.name === 'EXPORT_STORAGE_LOCATION')
              .filter((setting) => {
                const value = String(setting.value);
                if (!isExpression(value)) return true;
                // A Key Vault reference is usually built in a variable: look one level into the variables it names.
                const withVariables = [
                  value,
                  ...referencedNames(value, 'variables').map((name) => JSON.stringify(t.variables?.[name] ?? '')),
                ].join(' ');
                const fromSecureParameter = referencedNames(withVariables, 'parameters').some((name) => secure.has(name));
                return !(fromSecureParameter || withVariables.includes('@Microsoft.KeyVault(') || /\blist\w*\(/i.test(value));
              })
              .map((setting) => `${where}: ${setting.name}`),
          );
        });
        assert.deepEqual(problems, []);
      });

      it('names the bot app id parameter and output botAppId, the name appPackage fills MicrosoftAppId from', () => {
        assert.ok(template.parameters?.botAppId, 'parameter botAppId');
        assert.ok(template.outputs?.botAppId, 'output botAppId');
        const [app] = webApps(template);
        const appId = app?.appSettings.find((setting) => setting.name === 'MicrosoftAppId');
        assert.match(String(appId?.value), /parameters\('botAppId'\)/);
      });

      it('outputs the messaging endpoint, the web app host name and the storage account URL', () => {
        for (const name of ['messagingEndpoint', 'webAppHostName', 'storageAccountUrl']) {
          assert.equal(template.outputs?.[name]?.type, 'string', name);
        }
      });
    });
  }

  describe('parameters files', () => {
    for (const deployment of DEPLOYMENTS) {
      const template = readJson<ArmTemplate>(deployment.template);
      const parameters = readJson<ArmParametersFile>(deployment.parameters);

      it(`${relative(deployment.parameters)} names only its template's parameters and gives every required one`, () => {
        assert.deepEqual(parameterValueProblems(template.parameters ?? {}, parameters.parameters, { secureMayBeSuppliedLater: true }), []);
      });

      it(`${relative(deployment.parameters)} holds no value for a secure parameter`, () => {
        const secure = secureParameterNames(template);
        const given = Object.entries(parameters.parameters)
          .filter(([name, entry]) => secure.has(name) && entry.value !== undefined)
          .map(([name]) => name);
        assert.deepEqual(given, []);
      });
    }
  });

  describe('the new resource group template', () => {
    it('nests the resource-group template unchanged and passes its parameters through', () => {
      const expected = buildNewResourceGroupTemplate(readJson<ArmTemplate>(RG_TEMPLATE));
      assert.deepEqual(
        readJson<ArmTemplate>(NEW_RG_TEMPLATE),
        expected,
        'out of date: run `npx tsx test/deploymentTemplates/syncNewResourceGroupTemplate.ts`',
      );
    });
  });

  describe('secrets', () => {
    it('finds no secret-looking literal in the templates, parameters files or docs/deploy.md', () => {
      const files = [...listFiles(TEMPLATES_DIR), DEPLOY_DOC];
      const findings = files.flatMap((file) =>
        findSecretLiterals(readFileSync(file, 'utf8')).map((f) => `${relative(file)}:${f.line} ${f.kind}`),
      );
      assert.deepEqual(findings, []);
    });

    it('recognizes the credential shapes it scans for', () => {
      const key = Buffer.alloc(32, 7).toString('base64').replace(/B/g, 'b9Q');
      const samples = [
        `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${key}`,
        `https://a.blob.core.windows.net/c?sv=2022-11-02&sig=${'Ab9'.repeat(10)}`,
        ['abc', '8Q~', 'x'.repeat(34)].join(''),
        `"clientSecret": "${'s3cr'.repeat(5)}"`,
        key,
      ];
      assert.deepEqual(
        samples.filter((sample) => findSecretLiterals(sample).length === 0),
        [],
      );
    });
  });

  describe('docs/deploy.md', () => {
    let codeBlocks: string[] = [];
    before(() => {
      const doc = readFileSync(DEPLOY_DOC, 'utf8');
      codeBlocks = [...doc.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    });

    it('shows passing the botAppId output to npm run package:teams as MicrosoftAppId', () => {
      const packaging = codeBlocks.filter((block) => block.includes('npm run package:teams'));
      assert.ok(
        packaging.some((block) => block.includes('MicrosoftAppId') && block.includes('botAppId')),
        'a code block with both names',
      );
    });

    it('sets the variables appPackage reads on the npm run package:teams line', () => {
      const line = codeBlocks.flatMap((block) => block.split('\n')).find((l) => l.includes('npm run package:teams')) ?? '';
      const assigned = [...(line.split('npm run package:teams')[0] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1] ?? '');
      const samples: Record<string, string> = {
        MicrosoftAppId: '00000000-0000-4000-8000-000000000000',
        BOT_DOMAIN: 'example-bot.azurewebsites.net',
        OAUTH_APP_ID: '00000000-0000-4000-8000-0000000000aa',
      };
      const env = Object.fromEntries(assigned.map((name) => [name, samples[name] ?? 'unexpected']));
      assert.deepEqual(readPackageSettings(env), {
        botId: samples.MicrosoftAppId,
        botDomain: samples.BOT_DOMAIN,
        ssoAppId: samples.OAUTH_APP_ID,
      });
    });

    it('shows both deployment commands with their templates and parameters files', () => {
      const commands = codeBlocks.join('\n');
      assert.match(commands, /az deployment group create/);
      assert.match(commands, /az deployment sub create/);
      for (const deployment of DEPLOYMENTS) {
        assert.ok(commands.includes(relative(deployment.template)), relative(deployment.template));
        assert.ok(commands.includes(relative(deployment.parameters)), relative(deployment.parameters));
      }
    });
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
