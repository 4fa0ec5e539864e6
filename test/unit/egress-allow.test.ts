// The egress allow-list: entries, matching, IP literals, names resolving to local addresses (with an
// injected resolver), a repository's narrowing, and CW_EGRESS_ALLOW's validation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSettings, SettingsError } from '../../worker/core/settings.ts';
import {
  createEgressPolicy,
  DEFAULT_EGRESS_ALLOW,
  isLocalAddress,
  type Lookup,
  narrowAllowList,
  parseAllowEntry,
  splitAllowList,
} from '../../worker/sandbox/egress-allow.ts';

/** A resolver from a table; a name not in it fails like getaddrinfo. */
function table(answers: Record<string, string[]>): Lookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(lookup, { asked });
}

const PUBLIC = '93.184.215.14';

describe('allow-list entries', () => {
  test('host, host:port, *.domain and IP literals parse; the port defaults to 443 and 80', () => {
    assert.deepEqual(parseAllowEntry('PyPI.org.'), {
      host: 'pypi.org',
      ports: [443, 80],
      wildcard: false,
      ip: false,
    });
    assert.deepEqual(parseAllowEntry('mirror.example:8080').ports, [8080]);
    assert.deepEqual(parseAllowEntry('*.example.com'), {
      host: 'example.com',
      ports: [443, 80],
      wildcard: true,
      ip: false,
    });
    assert.deepEqual(parseAllowEntry('[0:0::1]:3141'), {
      host: '::1',
      ports: [3141],
      wildcard: false,
      ip: true,
    });
    assert.equal(parseAllowEntry('fd00::5').host, 'fd00::5');
    assert.deepEqual(parseAllowEntry('10.0.0.5:3141'), {
      host: '10.0.0.5',
      ports: [3141],
      wildcard: false,
      ip: true,
    });
  });

  test('what is no entry is refused with what to write', () => {
    for (const bad of [
      '',
      'host:0',
      'host:65536',
      'host:http',
      'exa mple.com',
      '*.10.0.0.1',
      '2130706433',
      '0x7f.1',
      '[nope]:80',
      'a..b',
      'fe80::1%eth0',
      '[fe80::1%25eth0]:80',
    ]) {
      assert.throws(
        () => parseAllowEntry(bad),
        /is not an allow-list entry: write host, host:port, \*\.domain/,
        bad,
      );
    }
  });

  test('a list is split at commas and whitespace; "none" is the empty list', () => {
    assert.deepEqual(splitAllowList(' a.org,b.org\n  c.org:8080 ,,'), ['a.org', 'b.org', 'c.org:8080']);
    assert.deepEqual(splitAllowList('none'), []);
  });
});

describe('CW_EGRESS_ALLOW', () => {
  test('defaults to the public package registries', () => {
    const allow = loadSettings({}).sandbox.egressAllow;
    assert.deepEqual(allow, [...DEFAULT_EGRESS_ALLOW]);
    for (const registry of [
      'registry.npmjs.org',
      'pypi.org',
      'files.pythonhosted.org',
      'proxy.golang.org',
      'repo1.maven.org',
    ]) {
      assert.ok(allow.includes(registry), registry);
    }
  });

  test('is read from the environment, and a bad entry fails start-up naming the variable', () => {
    assert.deepEqual(loadSettings({ CW_EGRESS_ALLOW: 'pypi.org, *.corp.example:8443' }).sandbox.egressAllow, [
      'pypi.org',
      '*.corp.example:8443',
    ]);
    assert.deepEqual(loadSettings({ CW_EGRESS_ALLOW: 'none' }).sandbox.egressAllow, []);
    assert.throws(
      () => loadSettings({ CW_EGRESS_ALLOW: 'pypi.org,mirror:99999' }),
      (error: unknown) =>
        error instanceof SettingsError &&
        /- CW_EGRESS_ALLOW: "mirror:99999" is not an allow-list entry/.test(error.message),
    );
  });
});

describe('destinations', () => {
  test('a listed host on its ports is allowed and connected to by the address it resolved to, once', async () => {
    const lookup = table({ 'pypi.org': [PUBLIC, '2a04:4e42::223'] });
    const policy = createEgressPolicy({ allow: ['pypi.org', 'mirror.example:8080'], lookup });
    assert.deepEqual(await policy.check('PYPI.ORG', 443), { allowed: true, address: PUBLIC });
    assert.deepEqual(await policy.check('pypi.org', 80), { allowed: true, address: PUBLIC });
    assert.deepEqual(lookup.asked, ['pypi.org', 'pypi.org']);
    const otherPort = await policy.check('pypi.org', 8443);
    assert.equal(otherPort.allowed, false);
    assert.equal(
      !otherPort.allowed && otherPort.reason,
      'CodingWorker egress proxy: pypi.org:8443 is not in CW_EGRESS_ALLOW (add it there, or ask the operator)',
    );
    assert.equal((await policy.check('mirror.example', 443)).allowed, false);
  });

  test('*.domain allows subdomains, not the domain itself nor a look-alike', async () => {
    const lookup = table({
      'a.b.example.com': [PUBLIC],
      'example.com': [PUBLIC],
      'badexample.com': [PUBLIC],
    });
    const policy = createEgressPolicy({ allow: ['*.example.com'], lookup });
    assert.equal((await policy.check('a.b.example.com', 443)).allowed, true);
    assert.equal((await policy.check('example.com', 443)).allowed, false);
    assert.equal((await policy.check('badexample.com', 443)).allowed, false);
  });

  test('IP literals are refused unless that exact literal and port is listed, and are never resolved', async () => {
    const lookup = table({});
    const policy = createEgressPolicy({ allow: ['127.0.0.1:8080', '[::1]:3141', '*.example.com'], lookup });
    assert.deepEqual(await policy.check('127.0.0.1', 8080), { allowed: true, address: '127.0.0.1' });
    assert.deepEqual(await policy.check('[0::1]', 3141), { allowed: true, address: '::1' });
    for (const [host, port] of [
      ['127.0.0.1', 8081],
      ['8.8.8.8', 443],
      ['[::1]', 443],
      ['10.0.0.1', 80],
    ] as const) {
      const verdict = await policy.check(host, port);
      assert.equal(verdict.allowed, false, `${host}:${port}`);
    }
    assert.deepEqual(lookup.asked, []);
  });

  test('a name resolving to a local address is refused unless the operator lists that exact host', async () => {
    const lookup = table({
      'evil.example.com': ['127.0.0.1'],
      'mixed.example.com': [PUBLIC, '10.1.2.3'],
      'mirror.corp.example': ['192.168.1.20'],
      localhost: ['127.0.0.1', '::1'],
    });
    const wide = createEgressPolicy({ allow: ['*.example.com', '*.corp.example'], lookup });
    const evil = await wide.check('evil.example.com', 443);
    assert.equal(evil.allowed, false);
    assert.match(
      !evil.allowed ? evil.reason : '',
      /^CodingWorker egress proxy: evil\.example\.com:443 resolves to 127\.0\.0\.1, a loopback, private or link-local address: refused unless the operator lists evil\.example\.com exactly in CW_EGRESS_ALLOW$/,
    );
    assert.equal((await wide.check('mixed.example.com', 443)).allowed, false, 'any local address refuses');
    assert.equal((await wide.check('mirror.corp.example', 443)).allowed, false);
    assert.equal((await wide.check('localhost', 443)).allowed, false);

    const exact = createEgressPolicy({ allow: ['mirror.corp.example', 'localhost:8080'], lookup });
    assert.deepEqual(await exact.check('mirror.corp.example', 443), {
      allowed: true,
      address: '192.168.1.20',
    });
    assert.deepEqual(await exact.check('localhost', 8080), { allowed: true, address: '127.0.0.1' });
  });

  test('a default registry resolving to a local address is refused even when listed: a poisoned resolver', async () => {
    const policy = createEgressPolicy({ allow: ['pypi.org'], lookup: table({ 'pypi.org': ['127.0.0.1'] }) });
    assert.equal((await policy.check('pypi.org', 443)).allowed, false);
  });

  test('a repository narrowing a wildcard to one name does not make that name trusted', async () => {
    const lookup = table({ 'mirror.corp.example': ['10.0.0.7'] });
    const operatorAllow = ['*.corp.example'];
    const { allow } = narrowAllowList(operatorAllow, ['mirror.corp.example']);
    const policy = createEgressPolicy({ allow, operatorAllow, lookup });
    assert.equal((await policy.check('mirror.corp.example', 443)).allowed, false);
  });

  test('a refusal by the narrowed list says so; resolver failures are 502', async () => {
    const policy = createEgressPolicy({
      allow: ['pypi.org'],
      operatorAllow: ['pypi.org', 'registry.npmjs.org', 'gone.example'],
      lookup: table({}),
    });
    const narrowed = await policy.check('registry.npmjs.org', 443);
    assert.match(!narrowed.allowed ? narrowed.reason : '', /not in this repository's egress allow-list/);
    const unresolved = await policy.check('pypi.org', 443);
    assert.deepEqual(unresolved, {
      allowed: false,
      status: 502,
      reason: 'CodingWorker egress proxy: cannot resolve pypi.org (ENOTFOUND)',
    });
  });

  test('hosts that are no host are refused before any lookup', async () => {
    const lookup = table({});
    const policy = createEgressPolicy({ allow: ['*.example.com'], lookup });
    for (const host of ['2130706433', '0x7f.1', 'a b.example.com', '']) {
      assert.equal((await policy.check(host, 443)).allowed, false, host);
    }
    assert.deepEqual(lookup.asked, []);
  });
});

describe('local addresses', () => {
  test('loopback, RFC 1918, CGNAT, link-local, unspecified, multicast, unique local and mapped forms', () => {
    for (const address of [
      '127.0.0.1',
      '127.9.9.9',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.255',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:5',
      '2002:a00:5::1',
      '198.18.0.1',
      '192.0.0.8',
    ]) {
      assert.equal(isLocalAddress(address), true, address);
    }
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '93.184.215.14',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(isLocalAddress(address), false, address);
    }
  });
});

describe('narrowAllowList', () => {
  const operator = ['pypi.org', 'files.pythonhosted.org', '*.corp.example', 'mirror.example:8080'];

  test('no repository list: the operator list as is', () => {
    assert.deepEqual(narrowAllowList(operator), { allow: operator, ignored: [] });
  });

  test('a repository keeps what the operator already allows and is told what it may not add', () => {
    assert.deepEqual(
      narrowAllowList(operator, [
        'pypi.org',
        'pypi.org:443',
        'pkgs.corp.example',
        '*.team.corp.example',
        '*.corp.example:443',
        'mirror.example:8080',
        'registry.npmjs.org',
        'pypi.org:8443',
        'mirror.example',
        'corp.example',
        '*.example',
        '10.0.0.1',
        'not a host',
      ]),
      {
        allow: [
          'pypi.org',
          'pypi.org:443',
          'pkgs.corp.example',
          '*.team.corp.example',
          '*.corp.example:443',
          'mirror.example:8080',
        ],
        ignored: [
          'registry.npmjs.org',
          'pypi.org:8443',
          'mirror.example',
          'corp.example',
          '*.example',
          '10.0.0.1',
          'not a host',
        ],
      },
    );
  });

  test('an empty repository list allows nothing', () => {
    assert.deepEqual(narrowAllowList(operator, []), { allow: [], ignored: [] });
  });
});
