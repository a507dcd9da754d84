import { strict as assert } from 'node:assert';
import { DEMO, startTestSandbox, type TestSandbox } from './helpers';

describe('sandbox user realm', () => {
  let t: TestSandbox;
  before(async () => {
    t = await startTestSandbox();
  });
  after(() => t.stop());

  const realm = async (upn: string, query = '?api-version=2.1') => {
    const response = await fetch(`${t.sandbox.loginBaseUrl}/common/userrealm/${encodeURIComponent(upn)}${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers Managed with IsViral for an unmanaged organization', async () => {
    const { status, body } = await realm(DEMO.ada.upn);
    assert.equal(status, 200);
    assert.equal(body.NameSpaceType, 'Managed');
    assert.equal(body.Login, DEMO.ada.upn);
    assert.equal(body.DomainName, DEMO.fabrikam.domain);
    assert.equal(body.FederationBrandName, DEMO.fabrikam.name);
    assert.equal(body.cloud_instance_name, 'microsoftonline.com');
    assert.equal(body.IsViral, true);
  });

  it('answers Managed without IsViral for a managed organization', async () => {
    const { body } = await realm(DEMO.megan.upn);
    assert.equal(body.NameSpaceType, 'Managed');
    assert.equal(body.FederationBrandName, DEMO.contoso.name);
    assert.equal('IsViral' in body, false);
  });

  it('answers by domain, whether or not the user exists', async () => {
    const { body } = await realm('someone.new@FabrikamVolunteers.example');
    assert.equal(body.IsViral, true);
  });

  it('answers Unknown for a domain no organization has verified', async () => {
    const { body } = await realm(DEMO.sam.upn);
    assert.equal(body.NameSpaceType, 'Unknown');
    assert.equal(body.Login, DEMO.sam.upn);
    assert.equal('IsViral' in body, false);
  });

  it('answers 400 without api-version', async () => {
    assert.equal((await realm(DEMO.ada.upn, '')).status, 400);
  });
});
