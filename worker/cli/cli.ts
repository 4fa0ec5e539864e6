// `codingworker`: the worker's command line. Each command lives in worker/cli/commands/<name>.ts and
// registers itself here; this file only assembles them and turns a thrown error into an exit code.
import { Command, CommanderError } from 'commander';
import { register as cache } from './commands/cache.ts';
import { register as dlq } from './commands/dlq.ts';
import { register as doctor } from './commands/doctor.ts';
import { register as enqueue } from './commands/enqueue.ts';
import { register as evaluate } from './commands/eval.ts';
import { register as localize } from './commands/localize.ts';
import { register as run } from './commands/run.ts';
import { register as sandbox } from './commands/sandbox.ts';
import { register as start } from './commands/start.ts';

const program = new Command('codingworker')
  .description(
    'Turns GitHub issues labelled auto-code into pull requests, with a local model in a Docker sandbox.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

const commands: Array<(program: Command) => void> = [
  start,
  enqueue,
  doctor,
  dlq,
  sandbox,
  run,
  localize,
  evaluate,
  cache,
];
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`codingworker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
