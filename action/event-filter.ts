// Which events become tasks: an `issues` event where the trigger label was just added, or an issue opened
// already carrying it. Everything else is skipped with a one-line reason, which is a success, not an error.
import { z } from 'zod';
import type { IssuesEventPayload, TaskMessage } from './task-message.ts';

export type EventDecision =
  | { enqueue: true; event: TaskMessage['event']; payload: IssuesEventPayload }
  | { enqueue: false; reason: string };

// Only the fields the decision and the task message read; the rest of GitHub's payload passes through.
const labelSchema = z.union([z.string(), z.looseObject({ name: z.string() })]);
const issuesPayloadSchema = z.looseObject({
  action: z.string(),
  issue: z.looseObject({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullish(),
    state: z.string().optional(),
    labels: z.array(labelSchema).optional(),
    assignees: z.array(z.looseObject({ login: z.string() })).nullish(),
    created_at: z.string(),
    updated_at: z.string(),
    html_url: z.string(),
  }),
  label: z.looseObject({ name: z.string() }).optional(),
  repository: z.looseObject({ full_name: z.string() }),
  sender: z.looseObject({ login: z.string(), type: z.string().optional() }),
});

/** GitHub treats label names without regard to case; the action and the worker's re-check both use this. */
export function isTriggerLabel(name: string | undefined, triggerLabel: string): boolean {
  return (name ?? '').toLowerCase() === triggerLabel.toLowerCase();
}

/**
 * Label names are compared without regard to case, as GitHub does: a repository cannot hold both
 * "auto-code" and "Auto-Code".
 */
export function filterEvent(eventName: string, payload: unknown, triggerLabel: string): EventDecision {
  if (eventName !== 'issues') {
    return {
      enqueue: false,
      reason: `the ${eventName || 'unknown'} event does not trigger tasks (only issues and the revision events in docs/action.md)`,
    };
  }
  const parsed = issuesPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the issues event payload is not what GitHub sends (${issue?.path.join('.')}: ${issue?.message}); ` +
        'run this action from a workflow triggered by `on: issues`',
    );
  }
  const event = parsed.data as IssuesEventPayload & { issue: { state?: string } };
  const issueRef = `issue #${event.issue.number}`;

  if (event.issue.state === 'closed') return { enqueue: false, reason: `${issueRef} is closed` };
  if (event.action === 'labeled') {
    const added = event.label?.name ?? '';
    if (!isTriggerLabel(added, triggerLabel)) {
      return {
        enqueue: false,
        reason: `label ${JSON.stringify(added)} is not the trigger label ${JSON.stringify(triggerLabel)}`,
      };
    }
    return { enqueue: true, event: 'issues.labeled', payload: event };
  }
  if (event.action === 'opened') {
    const names = (event.issue.labels ?? []).map((label) => (typeof label === 'string' ? label : label.name));
    if (!names.some((name) => isTriggerLabel(name, triggerLabel))) {
      return {
        enqueue: false,
        reason: `${issueRef} was opened without the trigger label ${JSON.stringify(triggerLabel)}`,
      };
    }
    return { enqueue: true, event: 'issues.opened', payload: event };
  }
  return {
    enqueue: false,
    reason: `issues.${event.action} does not trigger tasks (only labeled and opened)`,
  };
}
