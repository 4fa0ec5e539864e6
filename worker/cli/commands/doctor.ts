// `codingworker doctor`: one PASS/FAIL line per dependency, with the fix; exit 1 when any fails.
import type { Command } from 'commander';
import { loadSettings } from '../../core/settings.ts';
import { allChecks, allPassed, formatResult, runChecks } from '../../daemon/doctor.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check every dependency of the worker (queue, Docker, Ollama and the model, GitHub) and say how to fix it',
    )
    .action(async () => {
      const settings = loadSettings();
      const results = await runChecks(allChecks(settings));
      for (const result of results) console.log(formatResult(result));
      if (!allPassed(results)) process.exitCode = 1;
    });
}
