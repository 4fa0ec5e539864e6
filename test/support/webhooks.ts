// Real webhook payloads from @octokit/webhooks-examples (GitHub's own published examples).
import { createRequire } from 'node:module';
import type { IssuesEventPayload } from '../../action/task-message.ts';

const require = createRequire(import.meta.url);
const index = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

/** A deep copy of the first real `issues` payload with this action (e.g. 'labeled', 'opened'). */
export function issuesPayload(action: string): IssuesEventPayload & Record<string, unknown> {
  const examples = index.find((event) => event.name === 'issues')?.examples ?? [];
  const example = examples.find((payload) => payload.action === action);
  if (!example) throw new Error(`no real issues.${action} example in @octokit/webhooks-examples`);
  return structuredClone(example) as unknown as IssuesEventPayload & Record<string, unknown>;
}

/** A deep copy of the first real payload of this event (and action), for the revision triggers. */
// biome-ignore lint/suspicious/noExplicitAny: tests edit GitHub's payloads freely; the code under test parses them.
export function examplePayload(event: string, action?: string): Record<string, any> {
  const examples = index.find((entry) => entry.name === event)?.examples ?? [];
  const example = examples.find((payload) => action === undefined || payload.action === action);
  if (!example) throw new Error(`no real ${event}.${action ?? '*'} example in @octokit/webhooks-examples`);
  return structuredClone(example);
}
