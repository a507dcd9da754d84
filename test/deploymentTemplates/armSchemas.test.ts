import assert from 'node:assert/strict';
import { requireSharedSchema } from '../support/sharedSchemas';
import { type ArmValidator, ARM_SCHEMA_DIR, armSchemasPresent, createArmValidator } from './armSchemas';
import { type ArmParametersFile, type ArmResource, type ArmTemplate, DEPLOYMENTS, RG_TEMPLATE, readJson, relative } from './armTemplate';

/** A copy of the resource-group template with one resource changed, to prove the validator can refuse. */
function withResource(template: ArmTemplate, type: string, change: (resource: ArmResource) => ArmResource): ArmTemplate {
  return { ...template, resources: template.resources.map((resource) => (resource.type === type ? change(resource) : resource)) };
}

describe('deployment templates against the Azure reference schemas', function () {
  let validator: ArmValidator;

  before(function () {
    // The schemas are reference data next to the project (../shared/schemas/arm); without them only the offline rules run.
    requireSharedSchema(this, armSchemasPresent(), `The ARM reference schemas folder ${ARM_SCHEMA_DIR}`);
    validator = createArmValidator();
  });

  for (const deployment of DEPLOYMENTS) {
    it(`validates ${relative(deployment.template)}, each resource against its provider's schema`, () => {
      assert.deepEqual(validator.validateTemplate(readJson<ArmTemplate>(deployment.template), deployment.scope), []);
    });

    it(`validates ${relative(deployment.parameters)} as a parameters file`, () => {
      assert.deepEqual(validator.validateParameters(readJson<ArmParametersFile>(deployment.parameters), deployment.scope), []);
    });
  }

  describe('the validator', () => {
    const template = readJson<ArmTemplate>(RG_TEMPLATE);

    it('refuses a property value the provider schema does not allow', () => {
      const broken = withResource(template, 'Microsoft.Storage/storageAccounts', (r) => ({
        ...r,
        properties: { ...r.properties, minimumTlsVersion: 'TLS1_3' },
      }));
      const problems = validator.validateTemplate(broken, 'resourceGroup');
      assert.ok(
        problems.some((p) => p.includes('Microsoft.Storage/storageAccounts') && p.includes('/properties/minimumTlsVersion')),
        problems.join('\n'),
      );
    });

    it('refuses a property the hand-written Key Vault and Azure Monitor schemas do not know', () => {
      const broken = withResource(template, 'Microsoft.KeyVault/vaults', (r) => ({
        ...r,
        properties: { ...r.properties, enableTemplateDeployment: true },
      }));
      const problems = validator.validateTemplate(broken, 'resourceGroup');
      assert.ok(
        problems.some((p) => p.includes('Microsoft.KeyVault/vaults') && p.includes('enableTemplateDeployment')),
        problems.join('\n'),
      );
    });

    it('refuses an apiVersion that has no reference schema', () => {
      const broken = withResource(template, 'Microsoft.Web/sites', (r) => ({ ...r, apiVersion: '2015-08-01' }));
      assert.ok(
        validator.validateTemplate(broken, 'resourceGroup').some((p) => p.includes('no reference schema for apiVersion 2015-08-01')),
      );
    });

    it('accepts the Teams and Direct Line channel resources (after the Channel schema fix)', () => {
      const channelsOnly = {
        ...template,
        resources: template.resources.filter((r) => r.type === 'Microsoft.BotService/botServices/channels'),
      };
      assert.deepEqual(validator.validateTemplate(channelsOnly, 'resourceGroup'), []);
    });

    it('refuses a parameters file with a value that is neither a value nor a Key Vault reference', () => {
      const broken = {
        $schema: template.$schema,
        contentVersion: '1.0.0.0',
        parameters: { botName: { secret: 'x' } },
      } as unknown as ArmParametersFile;
      assert.notDeepEqual(validator.validateParameters(broken, 'resourceGroup'), []);
    });
  });
});
