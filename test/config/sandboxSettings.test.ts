import { strict as assert } from 'node:assert';
import { readSandboxSettings, isSandboxError } from '@account-closure-bot/sandbox';
import { loadConfig } from '../../config/config';
import { SETTINGS } from '../../config/settings';

/** The standalone sandbox reads the SANDBOX_* settings itself (it imports nothing of the bot): the two must agree. */
describe('the sandbox package reads the SANDBOX_* settings as the bot documents them', () => {
  it('has the defaults of the settings table (README, .env.example) and of the embedded sandbox', () => {
    const sandbox = readSandboxSettings({});
    const bot = loadConfig({}).sandbox;
    assert.deepEqual(
      { port: sandbox.port, dataDir: sandbox.dataDir, seedPath: sandbox.seedPath, exportDelayMs: sandbox.exportDelayMs },
      { port: bot.port, dataDir: bot.dataDir, seedPath: bot.seedPath, exportDelayMs: bot.exportDelayMs },
    );
    const table = Object.fromEntries(SETTINGS.map((s) => [s.name, s.default as string]));
    assert.equal(String(sandbox.port), table.SANDBOX_PORT);
    assert.equal(sandbox.dataDir, table.SANDBOX_DATA_DIR);
    assert.equal(sandbox.logLevel, table.LOG_LEVEL);
  });

  it('takes the values set, and refuses a port that is not one, naming the setting', () => {
    const env = {
      SANDBOX_PORT: '4100',
      SANDBOX_DATA_DIR: '/tmp/sb',
      SANDBOX_SEED: 'seed.json',
      SANDBOX_EXPORT_DELAY_MS: '5',
      LOG_LEVEL: 'debug',
    };
    assert.deepEqual(readSandboxSettings(env), {
      port: 4100,
      dataDir: '/tmp/sb',
      seedPath: 'seed.json',
      exportDelayMs: 5,
      logLevel: 'debug',
    });
    assert.throws(
      () => readSandboxSettings({ SANDBOX_PORT: 'eighty' }),
      (error: unknown) => isSandboxError(error, 'CONFIG_INVALID') && /SANDBOX_PORT must be a whole number/.test(error.message),
    );
  });
});
