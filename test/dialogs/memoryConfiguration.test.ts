import { strict as assert } from 'node:assert';
import { ConversationState, MemoryStorage, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { DialogMemoryScope, DialogSet, MemoryScope, TurnMemoryScope, type DialogState } from 'botbuilder-dialogs';
import { DIALOG_STATE_MANAGER_CONFIGURATION } from '../../dialogs/mainDialog';
import { createDialogFixture } from './dialogFixture';

/**
 * The dialogs' memory scopes are built once and shared by every later turn (issue 14; dialogs/mainDialog.ts): two
 * halves, each through a public seam, with nothing spied on. botbuilder-dialogs builds a turn's memory from the
 * configuration it finds under the turn-state key, and MainDialog puts the first turn's there for every later turn.
 * What that saves is measured by the benchmark (npm run bench), not asserted here.
 */

/** A memory scope of our own: the SDK's extension point (memory/scopes/memoryScope.ts), read back by path. */
class ProbeScope extends MemoryScope {
  constructor() {
    super('probe', false);
  }
  getMemory(): object {
    return { answer: 42 };
  }
  override setMemory(): void {}
}

function turnOf(adapter: TestAdapter, userId: string, text: string): TurnContext {
  const activity: Partial<Activity> = {
    type: 'message',
    text,
    channelId: 'test',
    serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: `conv-${userId}` } as Activity['conversation'],
    from: { id: userId, name: userId },
    recipient: { id: 'bot', name: 'bot' },
  };
  return new TurnContext(adapter, activity);
}

describe('the dialogs memory configuration shared between turns', () => {
  it("is what botbuilder-dialogs builds a turn's memory from when it is in the turn state", async () => {
    const context = turnOf(new TestAdapter(), 'user-1', 'hi');
    // The turn and dialog scopes are the ones a DialogContext uses as it is made; the probe is ours.
    const given = { memoryScopes: [new TurnMemoryScope(), new DialogMemoryScope(), new ProbeScope()], pathResolvers: [] };
    context.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, given);
    const dialogs = new DialogSet(new ConversationState(new MemoryStorage()).createProperty<DialogState>('dialogState'));
    const dc = await dialogs.createContext(context);
    assert.equal(dc.state.getValue('probe.answer'), 42);
    assert.equal(dc.state.configuration, given, 'none built anew');
  });

  it("is handed by MainDialog from its first turn to every later one, other users' included", async () => {
    const { dialog } = createDialogFixture();
    const adapter = new TestAdapter();
    const dialogState = new ConversationState(new MemoryStorage()).createProperty<DialogState>('dialogState');
    const configurationOf = async (userId: string, text: string) => {
      const context = turnOf(adapter, userId, text);
      await dialog.run(context, dialogState);
      return context.turnState.get<unknown>(DIALOG_STATE_MANAGER_CONFIGURATION);
    };
    const first = await configurationOf('user-1', 'help');
    assert.ok(first, 'the first turn built one');
    assert.equal(await configurationOf('user-1', 'close my account'), first);
    assert.equal(await configurationOf('user-2', 'help'), first);
  });
});
