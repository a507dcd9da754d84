import type { WaterfallStep } from 'botbuilder-dialogs';

/**
 * A dialog's own method as a waterfall step that keeps the method's name. WaterfallDialog reports every step to
 * telemetry under `fn.name` (botbuilder-dialogs `waterfallDialog.ts`, `waterfallStepName`), and `method.bind(owner)`
 * renames it "bound signInStep"; the Application Insights funnel would show that for every step.
 */
export function namedStep<O extends object>(owner: object, method: WaterfallStep<O>): WaterfallStep<O> {
  const step = method.bind(owner);
  Object.defineProperty(step, 'name', { value: method.name });
  return step;
}
