import { strict as assert } from 'node:assert';
import type { Activity } from 'botframework-schema';
import { TokenServiceClient } from '../../bot/tokenServiceClient';
import { createHttpClient } from '../../adapters/http/httpClient';
import { createLogger, type LogRecord } from '../../services/logger';
import { DEMO, startTestSandbox, submitSignIn, type TestSandbox } from '@account-closure-bot/sandbox/testing';

/** The bot's lean token-service client against the sandbox's token service over HTTP: the answers the SDK's client gives. */
describe('TokenServiceClient', () => {
  let t: TestSandbox;
  let logs: LogRecord[];
  let client: TokenServiceClient;
  beforeEach(async () => {
    t = await startTestSandbox();
    logs = [];
    const http = createHttpClient({
      logger: createLogger('test', (record) => logs.push(record), 'debug'),
      timeoutMs: 5_000,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    client = new TokenServiceClient({ baseUrl: t.sandbox.tokenServiceUrl, appId: '', http });
  });
  afterEach(async () => {
    await t.stop();
  });

  const activity = {
    type: 'message',
    channelId: 'webchat',
    from: { id: 'dl_user' },
    recipient: { id: 'bot' },
    conversation: { id: 'conv-lean' },
    serviceUrl: 'http://127.0.0.1:1',
  } as unknown as Activity;

  it('signs in, reads "no token" from the empty 404, gets the token with the code, lists it and signs out', async () => {
    const resource = await client.getSignInResource('SandboxConnection', activity, '');
    assert.ok(resource.signInLink?.startsWith(`${t.sandbox.loginBaseUrl}/signin?state=`));
    assert.equal(await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', ''), undefined);

    const page = await submitSignIn(resource.signInLink ?? '', DEMO.grace.upn, DEMO.password);
    const token = await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', page.code ?? '');
    assert.equal(token.connectionName, 'SandboxConnection');
    assert.ok(token.token);
    // Signed in: the next read needs no code.
    assert.equal((await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', '')).token, token.token);
    const statuses = await client.getTokenStatus('dl_user', 'webchat', '');
    assert.deepEqual(
      statuses.map((s) => [s.connectionName, s.hasToken]),
      [['SandboxConnection', true]],
    );

    await client.signOutUser('dl_user', 'SandboxConnection', 'webchat');
    assert.equal(await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', ''), undefined);
  });

  it('never logs the magic code it sends in the query', async () => {
    const resource = await client.getSignInResource('SandboxConnection', activity, '');
    const page = await submitSignIn(resource.signInLink ?? '', DEMO.grace.upn, DEMO.password);
    await client.getUserToken('dl_user', 'SandboxConnection', 'webchat', page.code ?? '');
    assert.ok(logs.length > 0);
    assert.ok(!JSON.stringify(logs).includes(page.code ?? 'no code'));
  });

  it('throws the HTTP error for any other refusal (a token service that is not there)', async () => {
    const nowhere = new TokenServiceClient({
      baseUrl: `${t.sandbox.tokenServiceUrl}/no-such-api`,
      appId: '',
      http: createHttpClient({
        logger: createLogger('test', () => undefined, 'error'),
        timeoutMs: 5_000,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      }),
    });
    await assert.rejects(nowhere.signOutUser('dl_user', 'SandboxConnection', 'webchat'), { name: 'HttpError' });
  });
});
