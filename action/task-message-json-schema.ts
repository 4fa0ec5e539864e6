// The task message as JSON Schema, for docs/ and for consumers written in other languages.
import { z } from 'zod';
import { SCHEMA_VERSION, TaskMessageSchema } from './task-message.ts';

export function taskMessageJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://github.com/codingworker/enqueue/docs/task-message.schema.json#v${SCHEMA_VERSION}`,
    title: 'CodingWorker task message',
    description:
      'The SQS message body the enqueue action sends and the worker consumes. Message attributes: IssueNumber (Number) and Repository (String).',
    ...z.toJSONSchema(TaskMessageSchema, { target: 'draft-2020-12' }),
  };
}
