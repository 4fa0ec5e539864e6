// Writes docs/task-message.schema.json from the zod schema (the message API that docs/requirements.md#documentation asks for).
// Run: npm run schema. test/task-message.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { taskMessageJsonSchema } from '../action/task-message-json-schema.ts';

const target = fileURLToPath(new URL('../docs/task-message.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(taskMessageJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
