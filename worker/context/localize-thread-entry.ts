// The worker thread of localize-thread.ts: one localization, its result posted back (without the
// repository map's closure, which cannot cross threads).
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../core/errors.ts';
import { type LocalizeOptions, localize } from './localize.ts';
import type { ThreadMessage } from './localize-thread.ts';

const post = (message: ThreadMessage) => parentPort?.postMessage(message);

try {
  const { candidates, skipped, ms, files } = await localize(workerData as LocalizeOptions);
  post({ result: { candidates, skipped, ms, files } });
} catch (error) {
  post({ error: errorMessage(error) });
}
