import type { WaterfallStep } from 'botbuilder-dialogs';

/**
 * A dialog's bound method as a waterfall step that keeps the method's name. WaterfallDialog reports every step to
 * telemetry under `fn.name` (botbuilder-dialogs `waterfallDialog.ts`, `waterfallStepName`), and `bind` renames a
 * method "bound signInStep"; the Application Insights funnel would show that for every step.
 */
export function namedStep<O extends object>(bound: WaterfallStep<O>): WaterfallStep<O> {
  Object.defineProperty(bound, 'name', { value: bound.name.replace(/^(bound )+/, '') });
  return bound;
}
