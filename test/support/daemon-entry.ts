// A real daemon process for tests: the same startDaemon and signal handling as `codingworker start`, with
// a test handler (CW_TEST_HANDLER, CW_TEST_RECORD_FILE, CW_TEST_WORK_MS) instead of the job pipeline.

import { loadSettings } from '../../worker/core/settings.ts';
import { startDaemon, stopOnSignals } from '../../worker/daemon/daemon.ts';
import { createTestHandler, type TestHandlerName } from './daemon-test-handler.ts';

const settings = loadSettings();
const daemon = await startDaemon(settings, {
  skipChecks: true,
  handler: () =>
    createTestHandler((process.env.CW_TEST_HANDLER ?? 'complete') as TestHandlerName, {
      recordFile: process.env.CW_TEST_RECORD_FILE,
      workMs: Number(process.env.CW_TEST_WORK_MS ?? 1_000),
    }),
});
console.error(`ready ${daemon.queueUrl}`);
await stopOnSignals(daemon);
process.exit(0);
