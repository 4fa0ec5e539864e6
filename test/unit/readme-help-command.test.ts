// The README's first command after setup, `npx codingworker --help`, prints the help and nothing a user has
// to ignore. The machine's own node may be older than 24 (the launcher then re-runs itself with
// .tools/node), and on a fresh machine npx first links the package into its cache, which checks the
// package's engines: that is where the EBADENGINE warnings came from.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { launcherRoot } from '../support/cli-launcher.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** A `node` first on PATH that reports itself as Node 20, as a fresh machine's system node might. */
function olderNodeOnPath(dir: string): string {
  const bin = join(dir, 'old-node');
  mkdirSync(bin);
  const fake = join(dir, 'node-20.mjs');
  writeFileSync(
    fake,
    `Object.defineProperty(process, 'version', { value: 'v20.19.0' });
Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.19.0' } });
`,
  );
  writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec '${process.execPath}' --import '${fake}' "$@"\n`);
  chmodSync(join(bin, 'node'), 0o755);
  return bin;
}

test('npx codingworker --help on a fresh machine whose node is older than 24 prints only the help', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-readme-'));
  const root = launcherRoot(join(dir, 'checkout'));
  cpSync(join(ROOT, 'package-lock.json'), join(root, 'package-lock.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  // What scripts/machine.sh setup leaves: Node 24 in .tools/node.
  mkdirSync(join(root, '.tools', 'node', 'bin'), { recursive: true });
  symlinkSync(process.execPath, join(root, '.tools', 'node', 'bin', 'node'));
  writeFileSync(join(dir, 'npmrc'), '');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(name)) env[name] = value;
  }
  const result = spawnSync('npx', ['codingworker', '--help'], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...env,
      PATH: `${olderNodeOnPath(dir)}${delimiter}${process.env.PATH}`,
      // A fresh machine: an empty npm cache (so npx links the package anew), no user settings, npm's
      // default log level, and no check for a newer npm (that notice is npm's, not this project's).
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_userconfig: join(dir, 'npmrc'),
      npm_config_loglevel: 'warn',
      npm_config_update_notifier: 'false',
    },
  });
  assert.equal(result.error, undefined, 'npx must be on PATH');
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /^Usage: codingworker/);
  assert.equal(result.status, 0);
});
