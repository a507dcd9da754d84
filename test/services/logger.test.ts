import { strict as assert } from 'node:assert';
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { DialogSet, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { AppError } from '../../services/errors';
import { createLogger, jsonLineSink, type LogRecord } from '../../services/logger';

const UPN = 'kim@tailspin.example';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-token-value';

function createRecordingLogger() {
  const records: LogRecord[] = [];
  return { records, logger: createLogger('test', (record) => records.push(record), 'debug') };
}

/** What jsonLineSink writes for `record`, captured from stderr. */
function jsonLine(record: LogRecord): string {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string) => written.push(chunk) > 0;
  try {
    jsonLineSink(record);
  } finally {
    process.stderr.write = write;
  }
  return written.join('');
}

describe('logger', () => {
  describe('redaction', () => {
    it('masks a secret, a token and a UPN at any depth, in records and in the JSON line', () => {
      const { records, logger } = createRecordingLogger();
      logger.info('outside call failed', {
        request: { headers: { authorization: `Bearer ${TOKEN}` }, user: { upn: UPN, displayName: 'Kim' } },
        attempts: [{ response: { body: { access_token: TOKEN } } }],
        context: { nested: { deeper: { userPrincipalName: UPN, clientSecret: 'hunter2-secret' } } },
      });
      const line = jsonLine(records[0]);
      for (const output of [JSON.stringify(records), line]) {
        for (const secret of [UPN, TOKEN, 'hunter2-secret']) assert.equal(output.includes(secret), false, `"${secret}" reached the log`);
      }
      assert.match(line, /"displayName":"Kim"/, 'fields that are neither secret nor personal stay');
    });

    it('survives a cycle in the fields', () => {
      const { records, logger } = createRecordingLogger();
      const loop: Record<string, unknown> = { name: 'loop' };
      loop.self = loop;
      logger.warn('cycle', { loop });
      assert.match(jsonLine(records[0]), /"self":"\[circular\]"/);
    });
  });

  describe('errors', () => {
    it('keeps the cause chain, the stack and the catalogue code', () => {
      const { records, logger } = createRecordingLogger();
      const root = new Error('connect ECONNREFUSED 127.0.0.1:1');
      const wrapped = new AppError('DIRECTORY_UNAVAILABLE', 'GET /me failed after 4 attempts', { cause: root });
      logger.error('lookup failed', { error: wrapped });
      const logged = JSON.parse(jsonLine(records[0])) as {
        error: { errorCode: string; message: string; stack: string; cause: { message: string; stack: string } };
      };
      assert.equal(logged.error.errorCode, 'DIRECTORY_UNAVAILABLE');
      assert.match(logged.error.message, /GET \/me failed/);
      assert.match(logged.error.stack, /logger\.test\.ts/);
      assert.equal(logged.error.cause.message, 'connect ECONNREFUSED 127.0.0.1:1');
      assert.match(logged.error.cause.stack, /logger\.test\.ts/);
    });

    it("logs botbuilder's dialog stack (ids only, never dialog state) for an error thrown in a dialog", async () => {
      const { records, logger } = createRecordingLogger();
      const state = new ConversationState(new MemoryStorage());
      const dialogs = new DialogSet(state.createProperty('dialogState'));
      dialogs.add(
        new WaterfallDialog('outerDialog', [async (step: WaterfallStepContext) => step.beginDialog('innerDialog', { upn: UPN })]),
      );
      dialogs.add(
        new WaterfallDialog('innerDialog', [
          async () => {
            throw new Error('the step broke');
          },
        ]),
      );
      const adapter = new TestAdapter(async (context) => {
        const dc = await dialogs.createContext(context);
        await dc.beginDialog('outerDialog');
      });
      adapter.onTurnError = async (_context, error) => {
        logger.error('turn failed', { error });
      };
      await adapter.send({ type: ActivityTypes.Message, text: 'hi' }).startTest();
      const line = jsonLine(records[0]);
      const logged = JSON.parse(line) as {
        error: { dialogs: { activeDialog: string; stack: string[] }; cause?: { message: string }; message: string };
      };
      assert.deepEqual([...logged.error.dialogs.stack].sort(), ['innerDialog', 'outerDialog']);
      assert.equal(logged.error.dialogs.activeDialog, 'innerDialog');
      assert.match(line, /the step broke/);
      assert.equal(line.includes(UPN), false, 'dialog state stays out of the log');
    });
  });
});
