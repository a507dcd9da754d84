import { strict as assert } from 'node:assert';
import { createLogger, type LogRecord } from '../logger';
import {
  DEMO,
  appToken,
  bearer,
  createChannel,
  getSignInLink,
  getToken,
  startTestSandbox,
  submitSignIn,
  type TestSandbox,
} from './helpers';

function createRecordingLogger() {
  const records: LogRecord[] = [];
  return { records, logger: createLogger('test', (record) => records.push(record), 'debug') };
}

describe('sandbox logging', () => {
  let t: TestSandbox;
  const { records, logger } = createRecordingLogger();
  beforeEach(async () => {
    records.length = 0;
    t = await startTestSandbox({ logger });
  });
  afterEach(() => t.stop());

  it('never logs passwords, magic codes or tokens', async () => {
    const channel = createChannel();
    await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.katherine.upn, 'Wr0ngSecret!');
    const page = await submitSignIn(await getSignInLink(t.sandbox, channel), DEMO.katherine.upn, DEMO.password);
    const { token } = (await (await getToken(t.sandbox, channel, page.code)).json()) as { token: string };
    const app = await appToken(t.sandbox, DEMO.graphRights.id);
    await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: bearer(app) });

    const logged = JSON.stringify(records);
    assert.ok(
      records.some((r) => r.namespace === 'test:sandbox:signin'),
      'the sign-in module logs under its own namespace',
    );
    for (const secret of ['Wr0ngSecret!', DEMO.password, page.code ?? 'no-code', token, app]) {
      assert.equal(logged.includes(secret), false, 'a secret reached the log');
    }
  });
});
