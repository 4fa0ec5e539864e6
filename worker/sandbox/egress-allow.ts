// The egress allow-list (CW_EGRESS_ALLOW) and the destination rules of the setup phase's proxy:
// which host:port a setup command may reach, and the one address the proxy then connects to.
// Pure apart from the DNS lookup, which is injected in tests. docs/sandbox.md#network-for-setup-only.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv6 } from 'node:net';

/** The public package registries: npm, PyPI, crates, the Go module proxy, RubyGems, Maven Central, Debian. */
export const DEFAULT_EGRESS_ALLOW: readonly string[] = [
  'registry.npmjs.org',
  'pypi.org',
  'files.pythonhosted.org',
  'crates.io',
  'index.crates.io',
  'static.crates.io',
  'proxy.golang.org',
  'sum.golang.org',
  'rubygems.org',
  'index.rubygems.org',
  'repo.maven.apache.org',
  'repo1.maven.org',
  'deb.debian.org',
  'security.debian.org',
];

/** An entry without a port allows https and http. */
const DEFAULT_PORTS: readonly number[] = [443, 80];

export interface AllowEntry {
  /** Lower case, no trailing dot; an IPv6 literal in its compressed form without brackets. */
  host: string;
  ports: readonly number[];
  /** `*.domain`: any subdomain of `host` (not `host` itself). */
  wildcard: boolean;
  /** The entry is an IP literal. */
  ip: boolean;
}

export type DestinationVerdict =
  | { allowed: true; address: string }
  | { allowed: false; status: 403 | 502; reason: string };

/** Resolves a name to every address it has (dns.lookup with all: true). */
export type Lookup = (host: string) => Promise<string[]>;

const defaultLookup: Lookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Loopback, private (RFC 1918, CGNAT, unique local), link-local, unspecified, multicast and reserved
 * addresses: the laptop's own services and the LAN. Node's BlockList matches IPv4 rules against
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) too.
 */
const LOCAL_ADDRESSES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  LOCAL_ADDRESSES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 and 6to4 carry an IPv4 address: on a host with DNS64 they reach the LAN.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  LOCAL_ADDRESSES.addSubnet(network, prefix, 'ipv6');
}

export function isLocalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return LOCAL_ADDRESSES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * A DNS name whose last label has a letter: `2130706433` or `0x7f.1` would otherwise reach the resolver,
 * which reads them as 127.0.0.1.
 */
function isHostName(host: string): boolean {
  const labels = host.split('.');
  return host.length <= 253 && labels.every((label) => LABEL.test(label)) && /[a-z]/.test(labels.at(-1)!);
}

/** Lower case, brackets and a trailing dot gone, IPv6 compressed; undefined when it is no host at all. */
function normalizeHost(raw: string): string | undefined {
  let host = raw.trim().toLowerCase();
  // A zone id (fe80::1%eth0) names an interface of this machine: never a destination.
  if (host.includes('%')) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return undefined;
  }
  if (isIPv6(host)) return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isIP(host) === 4 || isHostName(host)) return host;
  return undefined;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : undefined;
}

/**
 * Splits `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 literal or `host` (port undefined). The host is
 * returned as written; undefined when the port is not a number.
 */
export function splitHostPort(text: string): { host: string; port?: number } | undefined {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(text);
  if (bracketed) {
    if (bracketed[2] === undefined) return { host: bracketed[1]! };
    const port = parsePort(bracketed[2]);
    return port === undefined ? undefined : { host: bracketed[1]!, port };
  }
  if (isIPv6(text)) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  const port = parsePort(text.slice(colon + 1));
  return port === undefined ? undefined : { host: text.slice(0, colon), port };
}

/** Parses one CW_EGRESS_ALLOW entry: `host`, `host:port`, `*.domain`, `*.domain:port`, an IP literal. */
export function parseAllowEntry(text: string): AllowEntry {
  const invalid = new Error(
    `"${text}" is not an allow-list entry: write host, host:port, *.domain or an IP literal ([::1]:8080), port 1-65535`,
  );
  const split = splitHostPort(text.trim());
  if (!split) throw invalid;
  const wildcard = split.host.startsWith('*.');
  const host = normalizeHost(wildcard ? split.host.slice(2) : split.host);
  if (!host) throw invalid;
  const ip = isIP(host) !== 0;
  // `*.1.2.3` would read as "any address ending in .1.2.3": wildcards name domains only.
  if (wildcard && ip) throw invalid;
  return { host, ports: split.port ? [split.port] : DEFAULT_PORTS, wildcard, ip };
}

/** The entries of a comma or whitespace separated list; "none" is the empty list. */
export function splitAllowList(text: string): string[] {
  const entries = text.split(/[\s,]+/).filter((entry) => entry.length > 0);
  return entries.length === 1 && entries[0]!.toLowerCase() === 'none' ? [] : entries;
}

function entryAllows(entry: AllowEntry, host: string, port: number): boolean {
  if (!entry.ports.includes(port)) return false;
  if (entry.wildcard) return isIP(host) === 0 && host.endsWith(`.${entry.host}`);
  return entry.host === host;
}

/** Whether `inner` allows nothing that `outer` does not: the test for a repository's narrowing. */
function covers(outer: AllowEntry, inner: AllowEntry, port: number): boolean {
  if (!outer.ports.includes(port)) return false;
  if (!outer.wildcard) return !inner.wildcard && outer.host === inner.host;
  if (inner.ip) return false;
  return inner.host === outer.host ? inner.wildcard : inner.host.endsWith(`.${outer.host}`);
}

/**
 * A repository's own list (.codingworker.yml) may only narrow the operator's: each of its entries is kept
 * when the operator's list already allows everything it names, and reported as ignored otherwise (it
 * would widen the list, or it is not an entry at all). No repository list: the operator's list as is.
 */
export function narrowAllowList(
  operator: string[],
  repository?: string[],
): { allow: string[]; ignored: string[] } {
  if (repository === undefined) return { allow: [...operator], ignored: [] };
  const outer = operator.map(parseAllowEntry);
  const allow: string[] = [];
  const ignored: string[] = [];
  for (const text of repository) {
    let inner: AllowEntry;
    try {
      inner = parseAllowEntry(text);
    } catch {
      ignored.push(text);
      continue;
    }
    const kept = inner.ports.every((port) => outer.some((entry) => covers(entry, inner, port)));
    (kept ? allow : ignored).push(text.trim());
  }
  return { allow, ignored };
}

export interface EgressPolicy {
  allow: string[];
  /**
   * The operator's CW_EGRESS_ALLOW when `allow` is a repository's narrowing of it. Only its exact entries
   * may resolve to local addresses (an internal mirror), so a repository that narrows `*.corp.example`
   * to one name gains nothing. Default: `allow`.
   */
  operatorAllow?: string[];
  lookup?: Lookup;
}

/** The policy, parsed once; `check` answers for one destination. */
export function createEgressPolicy(policy: EgressPolicy): {
  check(host: string, port: number): Promise<DestinationVerdict>;
} {
  const allow = policy.allow.map(parseAllowEntry);
  const operator = (policy.operatorAllow ?? policy.allow).map(parseAllowEntry);
  // The default registries are public: one of them resolving to a local address is a poisoned resolver.
  const publicNames = new Set(DEFAULT_EGRESS_ALLOW);
  const trusted = (host: string, port: number) =>
    !publicNames.has(host) &&
    operator.some((entry) => !entry.wildcard && entry.host === host && entry.ports.includes(port));
  const lookup = policy.lookup ?? defaultLookup;

  return {
    async check(rawHost, port) {
      const host = normalizeHost(rawHost);
      const shown = `${host && isIPv6(host) ? `[${host}]` : (host ?? rawHost)}:${port}`;
      const refuse = (why: string): DestinationVerdict => ({
        allowed: false,
        status: 403,
        reason: `CodingWorker egress proxy: ${shown} ${why}`,
      });
      if (!host) return refuse('is not a host name or IP address');
      if (!allow.some((entry) => entryAllows(entry, host, port))) {
        return operator.some((entry) => entryAllows(entry, host, port))
          ? refuse("is not in this repository's egress allow-list, which narrows CW_EGRESS_ALLOW")
          : refuse('is not in CW_EGRESS_ALLOW (add it there, or ask the operator)');
      }
      // Only an exact entry matches an IP literal (wildcards never do), so it is the operator's choice.
      if (isIP(host) !== 0) return { allowed: true, address: host };
      let addresses: string[];
      try {
        addresses = await lookup(host);
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).message;
        return {
          allowed: false,
          status: 502,
          reason: `CodingWorker egress proxy: cannot resolve ${host} (${code})`,
        };
      }
      if (addresses.length === 0) {
        return { allowed: false, status: 502, reason: `CodingWorker egress proxy: ${host} has no address` };
      }
      const local = addresses.find(isLocalAddress);
      if (local && !trusted(host, port)) {
        return refuse(
          `resolves to ${local}, a loopback, private or link-local address: refused unless the operator lists ${host} exactly in CW_EGRESS_ALLOW`,
        );
      }
      // The checked address itself, never a second lookup: a resolver cannot answer differently later.
      return { allowed: true, address: addresses[0]! };
    },
  };
}
