// The localizer as the worker and the CLI run it: in a worker thread of its own with a small young
// generation. Reading and parsing a thousand files makes a burst of short-lived objects, and V8 lets the
// young generation of the main thread grow to meet it: measured on the largest benchmark repository the
// process's peak was about 290 MB in the main thread and about 235 MB here (docs/benchmarks.md). When the
// thread ends, its heap and the parser's WebAssembly memory go back to the system, so a daemon that ran
// many tasks does not keep the largest one's memory.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LocalizeOptions } from './localize.ts';
import type { LocalizeResult } from './types.ts';

/** The young generation's limit for the thread; smaller costs time in more frequent scavenges. */
const YOUNG_GENERATION_MB = 24;

export type LocalizeReply = LocalizeResult & { files: number };

/** Messages from the thread: the result, or the reason it failed (an Error does not cross intact). */
export type ThreadMessage = { result: LocalizeReply } | { error: string };

export function localizeInThread(options: LocalizeOptions): Promise<LocalizeReply> {
  // The same folder and extension as this module: .ts when run from source, .js when built.
  const entry = new URL(`./localize-thread-entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const thread = new Worker(entry, {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  return new Promise((resolve, reject) => {
    thread.once('message', (message: ThreadMessage) => {
      if ('result' in message) resolve(message.result);
      else reject(new Error(message.error));
    });
    thread.once('error', reject);
    thread.once('exit', (code) =>
      reject(new Error(`the localizer's thread ended (exit ${code}) without a result`)),
    );
  });
}
