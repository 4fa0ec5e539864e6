#!/usr/bin/env node
// Launcher for the `codingworker` command. Written to run on any Node: when the node on PATH is older
// than 24, it re-runs itself with the Node 24 that scripts/machine.sh placed in .tools/node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const bundled = join(root, '.tools', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(
      `codingworker needs Node 24 or newer (this is ${process.version}): run bash scripts/machine.sh setup`,
    );
    process.exit(1);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
const cli = join(root, 'build', 'worker', 'cli', 'cli.js');
if (!existsSync(cli)) {
  console.error('codingworker is not built yet: run bash scripts/machine.sh setup (or npm run build)');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
