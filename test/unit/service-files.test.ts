// service/: the launchd agent, the systemd unit, the env file example, the wrapper that starts the worker
// and the installer. Checked as files (structure, restart policy, no secrets, paths that exist) and run
// for real where Linux allows (the wrapper's env-file handling, the installer's rendering).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const SERVICE = join(ROOT, 'service');
const read = (name: string) => readFileSync(join(SERVICE, name), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'cw-service-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/**
 * A strict reader for the XML plist subset launchd uses: well-formed, balanced elements, only plist
 * element names, dict keys followed by exactly one value. Throws on anything else.
 */
function parsePlist(xml: string): PlistValue {
  const body = xml
    .replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/, () => '')
    .replace(/<!DOCTYPE plist [^>]*>/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  if (body === xml) throw new Error('missing XML declaration');
  const tokens = body.match(/<[^>]+>|[^<]+/g) ?? [];
  let position = 0;
  const next = () => tokens[position++];
  const skipSpace = () => {
    while (position < tokens.length && /^\s+$/.test(tokens[position]!)) position++;
  };
  const decodeEntities = (text: string) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`bad entity in ${text}`);
    return text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  };
  function value(): PlistValue {
    skipSpace();
    const open = next();
    if (open === '<true/>') return true;
    if (open === '<false/>') return false;
    const name = /^<(string|integer|key|dict|array)>$/.exec(open ?? '')?.[1];
    if (!name) throw new Error(`unexpected ${open}`);
    if (name === 'dict') {
      const dict: Record<string, PlistValue> = {};
      for (;;) {
        skipSpace();
        if (tokens[position] === '</dict>') {
          position++;
          return dict;
        }
        const key = value();
        if (typeof key !== 'object' || !('__key' in key))
          throw new Error('dict entries must start with <key>');
        dict[key.__key as string] = value();
      }
    }
    if (name === 'array') {
      const items: PlistValue[] = [];
      for (;;) {
        skipSpace();
        if (tokens[position] === '</array>') {
          position++;
          return items;
        }
        items.push(value());
      }
    }
    let text = '';
    if (tokens[position] !== `</${name}>`) text = decodeEntities(next() ?? '');
    if (next() !== `</${name}>`) throw new Error(`unclosed <${name}>`);
    if (name === 'integer') {
      if (!/^-?\d+$/.test(text)) throw new Error(`not an integer: ${text}`);
      return Number(text);
    }
    return name === 'key' ? { __key: text } : text;
  }
  skipSpace();
  if (next() !== '<plist version="1.0">') throw new Error('missing <plist version="1.0">');
  const root = value();
  skipSpace();
  if (next() !== '</plist>') throw new Error('missing </plist>');
  skipSpace();
  if (position !== tokens.length) throw new Error('content after </plist>');
  return root;
}

/** systemd unit files: [Section] then Key=Value lines; repeated keys collect into arrays. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*([#;]|$)/.test(line)) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = {};
      sections[section[1]!] = current;
      continue;
    }
    const pair = /^(\w+)=(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`not a unit-file line: ${line}`);
    const key = pair[1]!;
    current[key] = [...(current[key] ?? []), pair[2]!];
  }
  return sections;
}

const SECRET_PATTERNS = [
  /gh[pousr]_[A-Za-z0-9]{20,}/,
  /github_pat_[A-Za-z0-9_]{20,}/,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /x-access-token:[^@\s]+@/,
];
const SECRET_NAMES = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CW_GITHUB_APP_PRIVATE_KEY',
];

describe('service files', () => {
  test('the launchd agent is a valid plist that starts at load and is kept alive', () => {
    const plist = parsePlist(read('com.codingworker.worker.plist')) as Record<string, PlistValue>;
    assert.equal(plist.Label, 'com.codingworker.worker');
    assert.equal(plist.RunAtLoad, true);
    assert.equal(plist.KeepAlive, true);
    assert.ok((plist.ThrottleInterval as number) >= 10, 'a failing start must not spin');
    const [shell, script] = plist.ProgramArguments as string[];
    assert.equal(shell, '/bin/bash');
    assert.equal(script, '__CODINGWORKER_DIR__/service/codingworker-run.sh');
    assert.deepEqual(Object.keys(plist.EnvironmentVariables as object).sort(), [
      'CODINGWORKER_ENV_FILE',
      'PATH',
    ]);
    assert.match(String(plist.StandardErrorPath), /Library\/Logs\/codingworker\//);
  });

  test('the plist reader refuses a malformed plist (the check can fail)', () => {
    const good = read('com.codingworker.worker.plist');
    assert.throws(() => parsePlist(good.replace('<true/>', '<true>')));
    assert.throws(() => parsePlist(good.replace('</array>', '')));
    assert.throws(() => parsePlist(good.replace('<integer>30</integer>', '<integer>thirty</integer>')));
  });

  test('the systemd unit restarts the worker, reads the env file and starts it through the wrapper', () => {
    const unit = parseUnit(read('codingworker.service'));
    const service = unit.Service!;
    assert.ok(['always', 'on-failure'].includes(service.Restart?.[0] ?? ''), `Restart=${service.Restart}`);
    assert.deepEqual(service.EnvironmentFile, ['%h/.config/codingworker/codingworker.env']);
    assert.deepEqual(service.ExecStart, ['/bin/bash __CODINGWORKER_DIR__/service/codingworker-run.sh']);
    assert.deepEqual(service.KillSignal, ['SIGTERM']);
    assert.equal(unit.Install?.WantedBy?.[0], 'default.target');
    for (const line of service.Environment ?? []) {
      for (const name of SECRET_NAMES)
        assert.ok(!line.startsWith(`${name}=`), `secret ${name} in the unit file`);
    }
  });

  test('systemd itself accepts the rendered unit without a warning (systemd-analyze verify)', () => {
    const dir = mkdtempSync(join(scratch, 'systemd-'));
    const runtime = join(dir, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    const unit = join(dir, 'codingworker.service');
    writeFileSync(unit, read('codingworker.service').replaceAll('__CODINGWORKER_DIR__', ROOT));
    const verify = (file: string) =>
      spawnSync('systemd-analyze', ['--user', 'verify', file], {
        encoding: 'utf8',
        env: { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: dir },
      });
    const result = verify(unit);
    if (result.error) {
      throw new Error(
        `systemd-analyze could not run (${result.error.message}): install systemd (apt-get install -y systemd)`,
      );
    }
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'systemd warns about the unit');
    // The check can fail: a wrong restart policy is reported.
    writeFileSync(
      unit,
      read('codingworker.service')
        .replaceAll('__CODINGWORKER_DIR__', ROOT)
        .replace('Restart=always', 'Restart=sometimes'),
    );
    assert.match(verify(unit).stderr, /restart specifier/);
  });

  test('every path the service files name exists in the repository, and the scripts are executable', () => {
    const files = [
      'com.codingworker.worker.plist',
      'codingworker.service',
      'install.sh',
      'codingworker-run.sh',
    ];
    const referenced = new Set<string>();
    for (const file of files) {
      for (const match of read(file).matchAll(/__CODINGWORKER_DIR__\/([\w./-]+)/g)) referenced.add(match[1]!);
    }
    assert.ok(referenced.has('service/codingworker-run.sh'));
    for (const path of referenced)
      assert.ok(existsSync(join(ROOT, path)), `${path} is referenced but missing`);
    for (const script of ['codingworker-run.sh', 'install.sh']) {
      assert.ok(statSync(join(SERVICE, script)).mode & 0o100, `${script} is not executable`);
    }
  });

  test('no secret values in any service file, and the env example leaves every secret empty', () => {
    for (const file of [
      'com.codingworker.worker.plist',
      'codingworker.service',
      'codingworker.env.example',
      'install.sh',
      'codingworker-run.sh',
    ]) {
      const text = read(file);
      for (const pattern of SECRET_PATTERNS) assert.doesNotMatch(text, pattern, `${file} holds a secret`);
    }
    const example = read('codingworker.env.example');
    for (const name of SECRET_NAMES) {
      const line = example.split('\n').find((candidate) => candidate.startsWith(`${name}=`));
      if (line) assert.equal(line, `${name}=`, `${name} must be empty in the example`);
    }
  });

  test('every setting the env example names is one the worker or the AWS SDK reads', () => {
    const settings = readFileSync(join(ROOT, 'worker', 'core', 'settings.ts'), 'utf8');
    const sdk = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'];
    const names = [...read('codingworker.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map(
      (match) => match[1]!,
    );
    assert.ok(names.length >= 10, names.join(' '));
    for (const name of names) {
      assert.ok(
        sdk.includes(name) || settings.includes(name),
        `${name} is not read by worker/core/settings.ts`,
      );
    }
  });
});

describe('service wrapper (codingworker-run.sh)', () => {
  /** A copy of the wrapper in a fake checkout whose "node" reports what it was started with. */
  function fakeCheckout() {
    const root = mkdtempSync(join(scratch, 'checkout-'));
    mkdirSync(join(root, 'service'));
    mkdirSync(join(root, 'build', 'worker', 'cli'), { recursive: true });
    copyFileSync(join(SERVICE, 'codingworker-run.sh'), join(root, 'service', 'codingworker-run.sh'));
    writeFileSync(join(root, 'build', 'worker', 'cli', 'cli.js'), '');
    const node = join(root, 'fake-node');
    writeFileSync(
      node,
      '#!/usr/bin/env bash\nif [ "$1" = -p ]; then echo 24; exit 0; fi\necho "args=$*"\necho "queue=$CW_QUEUE_URL"\necho "token=$GITHUB_TOKEN"\necho "level=$CW_LOG_LEVEL"\necho "odd=$CW_WORKER_ID"\n',
    );
    chmodSync(node, 0o755);
    const envFile = join(root, 'worker.env');
    const script = join(root, 'service', 'codingworker-run.sh');
    const baseEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      CODINGWORKER_ENV_FILE: envFile,
      CODINGWORKER_NODE: node,
    };
    const run = (env: Record<string, string> = {}) =>
      spawnSync('bash', [script], { encoding: 'utf8', env: { ...baseEnv, ...env } });
    return { root, envFile, run, script, baseEnv };
  }

  test('loads the env file as data (quotes removed, comments skipped, nothing executed) and execs node start', () => {
    const { root, envFile, run } = fakeCheckout();
    writeFileSync(
      envFile,
      `# comment\n\nCW_QUEUE_URL=https://sqs.ap-northeast-1.amazonaws.com/1/q\nGITHUB_TOKEN="canary-token"\nexport CW_LOG_LEVEL='debug'\nCW_WORKER_ID=$(touch ${root}/pwned)\n`,
    );
    chmodSync(envFile, 0o600);
    const result = run();
    assert.equal(result.status, 0, String(result.stderr));
    const out = String(result.stdout);
    assert.match(out, new RegExp(`args=${root}/build/worker/cli/cli.js start`));
    assert.match(out, /queue=https:\/\/sqs\.ap-northeast-1\.amazonaws\.com\/1\/q/);
    assert.match(out, /token=canary-token\n/);
    assert.match(out, /level=debug\n/);
    assert.match(out, /odd=\$\(touch /);
    assert.ok(!existsSync(join(root, 'pwned')), 'a value in the env file was executed');
  });

  test('runs another command with the same environment when given one (e.g. doctor)', () => {
    const { envFile, script, baseEnv } = fakeCheckout();
    writeFileSync(envFile, 'CW_QUEUE_URL=https://sqs.ap-northeast-1.amazonaws.com/1/q\n');
    chmodSync(envFile, 0o600);
    const result = spawnSync('bash', [script, 'doctor'], { encoding: 'utf8', env: baseEnv });
    assert.equal(result.status, 0, String(result.stderr));
    assert.match(String(result.stdout), /args=\S+\/build\/worker\/cli\/cli\.js doctor\n/);
    assert.match(String(result.stdout), /queue=https:\/\/sqs/);
  });

  test('refuses an env file others can read, saying which chmod fixes it', () => {
    const { envFile, run } = fakeCheckout();
    writeFileSync(envFile, 'GITHUB_TOKEN=canary-token\n');
    chmodSync(envFile, 0o644);
    const result = run();
    assert.equal(result.status, 78);
    assert.match(String(result.stderr), /mode 644 .*chmod 600/);
    assert.doesNotMatch(String(result.stderr) + String(result.stdout), /canary-token/);
  });

  test('refuses a Node older than 24 and an unbuilt checkout with the command that fixes it', () => {
    const { root, run } = fakeCheckout();
    const oldNode = join(root, 'old-node');
    writeFileSync(oldNode, '#!/usr/bin/env bash\necho 20\n');
    chmodSync(oldNode, 0o755);
    const old = run({ CODINGWORKER_NODE: oldNode });
    assert.equal(old.status, 78);
    assert.match(String(old.stderr), /Node 20; the worker needs 24: run bash scripts\/machine\.sh setup/);
    rmSync(join(root, 'build'), { recursive: true });
    const unbuilt = run();
    assert.equal(unbuilt.status, 78);
    assert.match(String(unbuilt.stderr), /not built: run bash scripts\/machine\.sh setup/);
  });
});

describe('service installer (install.sh --dry-run)', () => {
  for (const os of ['Darwin', 'Linux']) {
    test(`${os}: renders every placeholder, writes only under the home directory`, () => {
      const home = mkdtempSync(join(scratch, 'home-'));
      const result = spawnSync('bash', [join(SERVICE, 'install.sh'), '--dry-run', '--os', os], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
      });
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /__[A-Z_]+__/);
      const targets = [...result.stdout.matchAll(/^==> (.+)$/gm)].map((match) => match[1]!);
      const expected =
        os === 'Darwin'
          ? [
              `${home}/.config/codingworker/codingworker.env`,
              `${home}/Library/LaunchAgents/com.codingworker.worker.plist`,
            ]
          : [
              `${home}/.config/codingworker/codingworker.env`,
              `${home}/.config/systemd/user/codingworker.service`,
            ];
      assert.deepEqual(targets, expected);
      assert.ok(result.stdout.includes(`${ROOT}/service/codingworker-run.sh`));
      assert.ok(!existsSync(join(home, '.config')), 'a dry run wrote files');
      if (os === 'Darwin') {
        const plist = result.stdout.split('==> ').find((part) => part.includes('LaunchAgents'))!;
        parsePlist(plist.slice(plist.indexOf('\n') + 1));
        assert.ok(result.stdout.includes(`CW_LOG_FILE=${home}/Library/Logs/codingworker/worker.log`));
      }
    });
  }
});
