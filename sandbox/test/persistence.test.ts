import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DEMO, appToken, bearer, createChannel, getToken, signIn, startTestSandbox, type TestSandbox } from './helpers';

describe('sandbox persistence', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox({ exportDelayMs: 0 });
  });
  afterEach(() => t.stop());

  it('keeps users, tokens, closures, export jobs and signed links across a restart on the same dataDir', async () => {
    const channel = createChannel();
    const userToken = await signIn(t.sandbox, DEMO.megan.upn, channel);
    const app = bearer(await appToken(t.sandbox, DEMO.graphRights.id));
    await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app });
    const location = (
      await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}/exportPersonalData`, {
        method: 'POST',
        headers: { ...app, 'content-type': 'application/json' },
        body: JSON.stringify({ storageLocation: t.sandbox.exportStorageLocation }),
      })
    ).headers.get('location');
    const opId = location?.split('/').pop() ?? '';
    const link = await t.sandbox.linkSigner.sign(
      `${t.sandbox.exportStorageLocation}/${opId}/profile.json`,
      new Date(t.time.clock().getTime() + 60_000),
    );
    const oldPort = new URL(t.sandbox.url).port;

    const sandbox = await t.restart();
    const sameOrigin = (url: string) => url.replace(`:${oldPort}/`, `:${new URL(sandbox.url).port}/`);

    assert.equal((await fetch(`${sandbox.graphBaseUrl}/v1.0/me`, { headers: bearer(userToken) })).status, 200);
    assert.equal((await getToken(sandbox, channel)).status, 200);
    assert.equal((await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${DEMO.dorothy.id}`, { headers: app })).status, 404);
    const operation = (await (await fetch(sameOrigin(location ?? ''), { headers: app })).json()) as { status: string };
    assert.equal(operation.status, 'complete');
    assert.equal((await fetch(sameOrigin(link))).status, 200);
  });

  it('stores password hashes, never the seed passwords', async () => {
    const state = await readFile(path.join(t.dataDir, 'state.json'), 'utf8');
    assert.equal(state.includes(DEMO.password), false);
    assert.match(state, /"passwordHash": "scrypt\$/);
  });

  it('leaves no temporary files behind after writing', async () => {
    await signIn(t.sandbox, DEMO.katherine.upn);
    assert.deepEqual(
      (await readdir(t.dataDir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});
