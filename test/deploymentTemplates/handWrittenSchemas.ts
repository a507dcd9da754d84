/**
 * Resource schemas for the types the template uses that ../shared/schemas/arm does not hold (Key Vault and Azure
 * Monitor), written by hand from Microsoft's template reference for the exact apiVersion (the URL on each entry):
 * the properties the templates set, their types and allowed values, and no other property (additionalProperties:
 * false), so a misspelt or invented property fails offline. ARM expressions are accepted wherever a value is.
 */
type Schema = Record<string, unknown>;

const expression: Schema = { type: 'string', pattern: '^\\[.*\\]$' };
const str: Schema = { type: 'string' };
const bool: Schema = { oneOf: [{ type: 'boolean' }, expression] };
const int = (minimum?: number, maximum?: number): Schema => ({
  oneOf: [{ type: 'integer', ...(minimum !== undefined ? { minimum } : {}), ...(maximum !== undefined ? { maximum } : {}) }, expression],
});
const oneOfValues = (...values: unknown[]): Schema => ({ oneOf: [{ enum: values }, expression] });
// Draft-04 refuses an empty `required`.
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
});
const arrayOf = (items: Schema): Schema => ({ oneOf: [{ type: 'array', items }, expression] });
const isoDuration = oneOfValues('PT1M', 'PT5M', 'PT10M', 'PT15M', 'PT30M', 'PT1H', 'PT6H', 'PT12H', 'P1D');

/** The envelope every resource has; `properties` is the type's own. */
function resource(type: string, apiVersion: string, properties: Schema, extra: Record<string, Schema> = {}): Schema {
  return obj(
    {
      type: { enum: [type] },
      apiVersion: { enum: [apiVersion] },
      name: str,
      location: str,
      scope: str,
      kind: str,
      condition: bool,
      comments: str,
      dependsOn: { type: 'array', items: str },
      tags: { type: 'object' },
      properties,
      ...extra,
    },
    ['type', 'apiVersion', 'name', 'properties'],
  );
}

export const HAND_WRITTEN_SCHEMAS: Readonly<Record<string, Schema>> = {
  // https://learn.microsoft.com/azure/templates/microsoft.keyvault/2023-07-01/vaults
  'microsoft.keyvault/vaults@2023-07-01': resource(
    'Microsoft.KeyVault/vaults',
    '2023-07-01',
    obj(
      {
        tenantId: str,
        sku: obj({ family: oneOfValues('A'), name: oneOfValues('standard', 'premium') }, ['family', 'name']),
        enableRbacAuthorization: bool,
        enabledForTemplateDeployment: bool,
        enabledForDeployment: bool,
        enabledForDiskEncryption: bool,
        enableSoftDelete: bool,
        softDeleteRetentionInDays: int(7, 90),
        enablePurgeProtection: bool,
        publicNetworkAccess: str,
      },
      ['tenantId', 'sku'],
    ),
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.keyvault/2023-07-01/vaults/secrets
  'microsoft.keyvault/vaults/secrets@2023-07-01': resource(
    'Microsoft.KeyVault/vaults/secrets',
    '2023-07-01',
    obj({ value: str, contentType: str, attributes: obj({ enabled: bool, exp: int(), nbf: int() }) }),
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.insights/2021-05-01-preview/diagnosticsettings
  'microsoft.insights/diagnosticsettings@2021-05-01-preview': resource(
    'Microsoft.Insights/diagnosticSettings',
    '2021-05-01-preview',
    obj({
      workspaceId: str,
      logs: arrayOf(obj({ category: str, categoryGroup: str, enabled: bool }, ['enabled'])),
      metrics: arrayOf(obj({ category: str, enabled: bool }, ['enabled'])),
      logAnalyticsDestinationType: str,
    }),
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.insights/2023-01-01/actiongroups
  'microsoft.insights/actiongroups@2023-01-01': resource(
    'Microsoft.Insights/actionGroups',
    '2023-01-01',
    obj(
      {
        groupShortName: { type: 'string', maxLength: 12 },
        enabled: bool,
        emailReceivers: arrayOf(obj({ name: str, emailAddress: str, useCommonAlertSchema: bool }, ['name', 'emailAddress'])),
      },
      ['groupShortName', 'enabled'],
    ),
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.insights/2018-03-01/metricalerts
  'microsoft.insights/metricalerts@2018-03-01': resource(
    'Microsoft.Insights/metricAlerts',
    '2018-03-01',
    obj(
      {
        description: str,
        severity: int(0, 4),
        enabled: bool,
        scopes: arrayOf(str),
        evaluationFrequency: isoDuration,
        windowSize: isoDuration,
        autoMitigate: bool,
        criteria: obj(
          {
            'odata.type': { enum: ['Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'] },
            allOf: arrayOf(
              obj(
                {
                  criterionType: { enum: ['StaticThresholdCriterion'] },
                  name: str,
                  metricName: str,
                  metricNamespace: str,
                  operator: oneOfValues('Equals', 'GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual'),
                  threshold: { oneOf: [{ type: 'number' }, expression] },
                  timeAggregation: oneOfValues('Average', 'Count', 'Maximum', 'Minimum', 'Total'),
                },
                ['criterionType', 'name', 'metricName', 'operator', 'threshold', 'timeAggregation'],
              ),
            ),
          },
          ['odata.type', 'allOf'],
        ),
        actions: arrayOf(obj({ actionGroupId: str, webHookProperties: { type: 'object' } }, ['actionGroupId'])),
      },
      ['severity', 'enabled', 'scopes', 'evaluationFrequency', 'windowSize', 'criteria'],
    ),
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.insights/2021-08-01/scheduledqueryrules
  'microsoft.insights/scheduledqueryrules@2021-08-01': resource(
    'Microsoft.Insights/scheduledQueryRules',
    '2021-08-01',
    obj(
      {
        displayName: str,
        description: str,
        severity: int(0, 4),
        enabled: bool,
        evaluationFrequency: isoDuration,
        windowSize: isoDuration,
        scopes: arrayOf(str),
        skipQueryValidation: bool,
        autoMitigate: bool,
        criteria: obj(
          {
            allOf: arrayOf(
              obj(
                {
                  query: str,
                  timeAggregation: oneOfValues('Average', 'Count', 'Maximum', 'Minimum', 'Total'),
                  operator: oneOfValues('Equals', 'GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual'),
                  threshold: { oneOf: [{ type: 'number' }, expression] },
                  failingPeriods: obj({ numberOfEvaluationPeriods: int(1, 6), minFailingPeriodsToAlert: int(1, 6) }),
                },
                ['query', 'timeAggregation', 'operator', 'threshold'],
              ),
            ),
          },
          ['allOf'],
        ),
        actions: obj({ actionGroups: arrayOf(str), customProperties: { type: 'object' } }),
      },
      ['severity', 'enabled', 'scopes', 'criteria', 'evaluationFrequency', 'windowSize'],
    ),
    { kind: { enum: ['LogAlert', 'LogToMetric'] } },
  ),
  // https://learn.microsoft.com/azure/templates/microsoft.insights/2022-04-01/workbooks
  'microsoft.insights/workbooks@2022-04-01': resource(
    'Microsoft.Insights/workbooks',
    '2022-04-01',
    obj({ displayName: str, serializedData: str, category: str, sourceId: str, version: str }, [
      'displayName',
      'serializedData',
      'category',
    ]),
    { kind: { enum: ['shared'] } },
  ),
};
