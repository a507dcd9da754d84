import { strict as assert } from 'node:assert';
import { DEMO, startTestSandbox, type TestSandbox } from './helpers';

describe('sandbox fault injection', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.stop());

  const realmUrl = () => `${t.sandbox.loginBaseUrl}/common/userrealm/${DEMO.ada.upn}?api-version=2.1`;

  it('answers the next matching request with the given status, headers and body, then serves normally', async () => {
    t.sandbox.faults.inject({
      path: /\/userrealm\//,
      respond: { status: 429, headers: { 'retry-after': '2' }, body: { error: 'throttled' } },
    });
    const throttled = await fetch(realmUrl());
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '2');
    assert.deepEqual(await throttled.json(), { error: 'throttled' });
    assert.equal((await fetch(realmUrl())).status, 200);
  });

  it('fails as many matching requests as asked', async () => {
    t.sandbox.faults.inject({ path: /\/userrealm\//, times: 2, respond: { status: 503 } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await fetch(realmUrl())).status);
    assert.deepEqual(statuses, [503, 503, 200]);
  });

  it('matches on method as well as path', async () => {
    t.sandbox.faults.inject({ method: 'POST', path: /\/userrealm\//, respond: { status: 503 } });
    assert.equal((await fetch(realmUrl())).status, 200);
  });

  it('resets the connection', async () => {
    t.sandbox.faults.inject({ path: /\/userrealm\//, respond: 'reset' });
    await assert.rejects(fetch(realmUrl()), TypeError);
    assert.equal((await fetch(realmUrl())).status, 200);
  });

  it('hangs until the client gives up', async () => {
    t.sandbox.faults.inject({ path: /\/userrealm\//, respond: 'hang' });
    await assert.rejects(fetch(realmUrl(), { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    assert.equal((await fetch(realmUrl())).status, 200);
  });

  it('forgets every fault on clear', async () => {
    t.sandbox.faults.inject({ path: /./, times: 5, respond: { status: 500 } });
    t.sandbox.faults.clear();
    assert.equal((await fetch(realmUrl())).status, 200);
  });
});
