import { strict as assert } from 'node:assert';
import type { Activity, BotTelemetryClient, TelemetryEvent } from 'botbuilder';
import { actionData, createDialogFixture, MAGIC_CODE, press, turn } from './dialogFixture';

/** Application Insights' place in the SDK: records the events the dialogs send. */
function createRecordingTelemetry(events: TelemetryEvent[]): BotTelemetryClient {
  return {
    trackEvent: (event) => events.push(event),
    trackDependency: () => undefined,
    trackException: () => undefined,
    trackTrace: () => undefined,
    flush: () => undefined,
  };
}

describe('waterfall step telemetry', () => {
  it('names every step of a closure conversation by its method, in conversation order', async () => {
    const events: TelemetryEvent[] = [];
    const fixture = createDialogFixture();
    fixture.dialog.telemetryClient = createRecordingTelemetry(events);
    const history: Array<Partial<Activity>> = [];
    history.push(...(await turn(fixture, 'close my account')));
    history.push(...(await turn(fixture, MAGIC_CODE)));
    history.push(...(await turn(fixture, press(actionData([...history].reverse(), 'closure.skipExport')))));
    await turn(fixture, press(actionData([...history].reverse(), 'closure.confirm')));

    const steps = events.filter((e) => e.name === 'WaterfallStep').map((e) => `${e.properties?.DialogId}/${e.properties?.StepName}`);
    assert.deepEqual(steps.slice(0, 6), [
      'mainRouteSteps/routeStep',
      'closeAccountSteps/signInStep',
      'closeAccountSteps/checkEligibilityStep',
      'closeAccountSteps/offerExportStep',
      'closeAccountSteps/warnStep',
      'closeAccountSteps/decisionStep',
    ]);
    for (const step of steps) assert.doesNotMatch(step, /\/(bound |Step\d+of\d+)/, 'a step reported without its name');
  });
});
