// The message body in a form every SQS implementation accepts. SQS allows #x9 #xA #xD #x20-#xD7FF
// #xE000-#xFFFD #x10000-#x10FFFF: U+FFFE and U+FFFF are refused by AWS, and emulators such as fauxqs
// also refuse characters beyond U+FFFF (emoji). Writing those as JSON \u escapes changes no parsed
// value, so the worker reads exactly the same task; the escapes are longer, so the size limit is
// enforced again on the escaped text.
import {
  type EncodedTaskMessage,
  encodeTaskMessage,
  SQS_MESSAGE_LIMIT_BYTES,
  type TaskMessage,
} from './task-message.ts';

/** Mirrors the room encodeTaskMessage keeps for the message attributes. */
const ATTRIBUTE_ALLOWANCE_BYTES = 1_024;
const BODY_LIMIT_BYTES = SQS_MESSAGE_LIMIT_BYTES - ATTRIBUTE_ALLOWANCE_BYTES;
const NEEDS_ESCAPE = /[\u{10000}-\u{10FFFF}\uFFFE\uFFFF]/gu;

/** Escapes, inside a JSON text, the characters some SQS implementations refuse. */
export function escapeForSqs(json: string): string {
  return json.replace(NEEDS_ESCAPE, (char) =>
    Array.from(
      { length: char.length },
      (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`,
    ).join(''),
  );
}

/** encodeTaskMessage, with the body escaped for SQS and still within the size limit. */
export function encodeForSqs(task: TaskMessage): EncodedTaskMessage {
  let limit = SQS_MESSAGE_LIMIT_BYTES;
  // Escaping a prefix grows it no more than escaping the whole, so cutting the raw message by the
  // escaped text's excess makes the next round fit; and as an escape is at most 3 times its raw bytes
  // (4 -> 12), a raw message of a third of the limit always fits. So the second round fits; the bound
  // guards only against a change in encodeTaskMessage's allowance.
  for (let round = 0; round < 3; round++) {
    const encoded = encodeTaskMessage(task, limit);
    const body = escapeForSqs(encoded.body);
    const bytes = Buffer.byteLength(body);
    if (bytes <= BODY_LIMIT_BYTES) return { ...encoded, body, bytes };
    const rawBudget = Math.max(encoded.bytes - (bytes - BODY_LIMIT_BYTES), Math.floor(BODY_LIMIT_BYTES / 3));
    limit = rawBudget + ATTRIBUTE_ALLOWANCE_BYTES;
  }
  throw new Error('the task message does not fit the SQS size limit even with the issue body cut');
}
