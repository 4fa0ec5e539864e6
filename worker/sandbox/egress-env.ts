// The sandbox's side of the setup phase's egress proxy. The container still has no network (NetworkMode
// none, only `lo`): the worker's proxy socket is bind-mounted at /run/codingworker, and socat listens on
// 127.0.0.1:3128 inside and forwards each connection to it. The setup commands' proxy settings point at
// 127.0.0.1:3128. docs/sandbox.md#network-for-setup-only.

/** Where the sandbox provider mounts the host directory holding the proxy socket (read-only). */
export const EGRESS_MOUNT = '/run/codingworker';
/** The socket file's name, in the host directory and under EGRESS_MOUNT. */
export const EGRESS_SOCKET_NAME = 'egress.sock';
/** The forwarder's port on the container's loopback (Squid's, the usual proxy port). */
export const EGRESS_PORT = 3128;
/**
 * The uid the forwarder runs as: not the sandbox user, so the `kill -9 -1` that ends every command (and
 * every setup command itself) cannot stop it. The nobody uid of Debian; 65533 when the sandbox user
 * happens to be 65534.
 */
export function forwarderUid(sandboxUid: number): number {
  return sandboxUid === 65_534 ? 65_533 : 65_534;
}

const PROXY_URL = `http://127.0.0.1:${EGRESS_PORT}`;

/**
 * Starts socat in the background and returns once it listens (or after 5 s, failing). nohup and the
 * redirections let the starting `docker exec` end while socat lives on; it dies with the container. The
 * readiness check reads /proc/net/tcp for a listening 127.0.0.1:3128 (0100007F:0C38, state 0A), so no
 * probe connection reaches the proxy.
 */
export function egressForwarderCommand(): string {
  const listen = `TCP-LISTEN:${EGRESS_PORT},bind=127.0.0.1,fork,reuseaddr`;
  const target = `UNIX-CONNECT:${EGRESS_MOUNT}/${EGRESS_SOCKET_NAME}`;
  const hexPort = EGRESS_PORT.toString(16).toUpperCase().padStart(4, '0');
  return [
    'command -v socat >/dev/null || { echo "the sandbox image has no socat" >&2; exit 127; }',
    `nohup socat ${listen} ${target} </dev/null >/dev/null 2>&1 &`,
    'for _ in $(seq 100); do',
    `  grep -q ' 0100007F:${hexPort} 00000000:0000 0A ' /proc/net/tcp && exit 0`,
    '  sleep 0.05',
    'done',
    `echo "socat is not listening on 127.0.0.1:${EGRESS_PORT}" >&2; exit 1`,
  ].join('\n');
}

/**
 * The environment of a setup command: curl, pip, npm, Go, cargo and gem read HTTP(S)_PROXY (some only the
 * lower-case names); npm also its own npm_config_* names and pip PIP_PROXY. NO_PROXY is empty so nothing
 * is tried directly (there is no route anyway).
 */
export function egressEnvironment(): string[] {
  return [
    `HTTP_PROXY=${PROXY_URL}`,
    `HTTPS_PROXY=${PROXY_URL}`,
    `http_proxy=${PROXY_URL}`,
    `https_proxy=${PROXY_URL}`,
    `npm_config_proxy=${PROXY_URL}`,
    `npm_config_https_proxy=${PROXY_URL}`,
    `PIP_PROXY=${PROXY_URL}`,
    'NO_PROXY=',
    'no_proxy=',
  ];
}

/**
 * A setup command with the proxy environment exported first, in the same shell: Sandbox.exec takes one
 * command string, and an `export` line keeps the command's own quoting and syntax untouched. The values
 * are fixed (no user text), so they need no quoting.
 */
export function withEgressEnvironment(command: string): string {
  return `export ${egressEnvironment().join(' ')}\n${command}`;
}
