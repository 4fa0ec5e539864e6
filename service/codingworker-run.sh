#!/usr/bin/env bash
# Starts the CodingWorker daemon for launchd or systemd (service/*.plist, service/*.service), or runs
# another codingworker command with the same environment: bash service/codingworker-run.sh doctor
# Secrets stay out of the unit files (seed SEC-002): they come from
#   1. the env file named by CODINGWORKER_ENV_FILE (KEY=VALUE lines; must not be readable by others), and
#   2. on macOS, the login Keychain, for GITHUB_TOKEN and AWS_SECRET_ACCESS_KEY when the env file leaves
#      them unset:  security add-generic-password -s codingworker -a GITHUB_TOKEN -w
# then it exec's Node 24 on build/worker/cli/cli.js, so the service manager's SIGTERM reaches the worker itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="${CODINGWORKER_ENV_FILE:-$HOME/.config/codingworker/codingworker.env}"
KEYCHAIN_SERVICE="${CODINGWORKER_KEYCHAIN_SERVICE:-codingworker}"

fail() {
  echo "codingworker-run: $*" >&2
  exit 78 # EX_CONFIG: launchd and systemd restart us; the message says what to fix.
}

file_mode() { stat -c '%a' "$1" 2>/dev/null || stat -f '%Lp' "$1"; }

# KEY=VALUE lines, read as data (never executed): comments and blank lines skipped, one pair of
# surrounding quotes removed. The same syntax systemd's EnvironmentFile accepts for simple values.
load_env_file() {
  local line key value
  while IFS= read -r line || [ -n "$line" ]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
      fail "$ENV_FILE: cannot read line '${line%%=*}=...': use KEY=VALUE"
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    export "$key=$value"
  done <"$1"
}

if [ -f "$ENV_FILE" ]; then
  mode="$(file_mode "$ENV_FILE")"
  case "$mode" in
    600 | 400) ;;
    *) fail "$ENV_FILE has mode $mode and may hold secrets: run chmod 600 '$ENV_FILE'" ;;
  esac
  load_env_file "$ENV_FILE"
fi

if [ "$(uname -s)" = Darwin ] && command -v security >/dev/null; then
  for name in GITHUB_TOKEN AWS_SECRET_ACCESS_KEY; do
    if [ -z "${!name:-}" ]; then
      if secret="$(security find-generic-password -s "$KEYCHAIN_SERVICE" -a "$name" -w 2>/dev/null)"; then
        export "$name=$secret"
      fi
    fi
  done
  unset secret
fi

NODE="${CODINGWORKER_NODE:-}"
if [ -z "$NODE" ]; then
  if [ -x "$ROOT/.tools/node/bin/node" ]; then NODE="$ROOT/.tools/node/bin/node"; else NODE="$(command -v node || true)"; fi
fi
[ -n "$NODE" ] || fail "Node 24 not found: run bash scripts/machine.sh setup in $ROOT, or set CODINGWORKER_NODE"
major="$("$NODE" -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 24 ] || fail "$NODE is Node $major; the worker needs 24: run bash scripts/machine.sh setup in $ROOT"
[ -f "$ROOT/build/worker/cli/cli.js" ] || fail "the worker is not built: run bash scripts/machine.sh setup in $ROOT"

cd "$ROOT"
# No arguments: the daemon. With arguments, any command with the service's environment, e.g.
#   bash service/codingworker-run.sh doctor
[ $# -gt 0 ] || set -- start
exec "$NODE" "$ROOT/build/worker/cli/cli.js" "$@"
