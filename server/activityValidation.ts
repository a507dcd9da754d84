/**
 * The minimum an inbound activity must have before the adapter sees it. The adapter would otherwise fail deep
 * inside a turn (500) on e.g. a missing `conversation`; a client that sent a broken activity gets a 400 that
 * names each problem instead.
 */
export function activityProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the body must be a JSON object (an activity)'];
  const activity = body as Record<string, unknown>;
  const problems: string[] = [];
  const requireString = (value: unknown, name: string) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`"${name}" must be a non-empty string`);
  };
  const requireObjectWithId = (value: unknown, name: string) => {
    if (typeof value !== 'object' || value === null) problems.push(`"${name}" must be an object with an "id"`);
    else requireString((value as Record<string, unknown>).id, `${name}.id`);
  };
  requireString(activity.type, 'type');
  requireString(activity.channelId, 'channelId');
  requireString(activity.serviceUrl, 'serviceUrl');
  requireObjectWithId(activity.conversation, 'conversation');
  requireObjectWithId(activity.from, 'from');
  if (activity.text !== undefined && typeof activity.text !== 'string') problems.push('"text" must be a string when present');
  if (typeof activity.serviceUrl === 'string' && !/^https?:\/\//i.test(activity.serviceUrl))
    problems.push('"serviceUrl" must be an http(s) URL');
  return problems;
}
