#!/usr/bin/env bash
# Sets up this machine for CodingWorker and runs the main job or the tests.
#   bash scripts/machine.sh start [worker flags]   provision, then run the worker daemon
#   bash scripts/machine.sh test                   provision, then run the whole test suite
#   bash scripts/machine.sh setup                  provision only
# Provisioning is idempotent: Node 24 (from the npm registry when the machine's node is older),
# npm dependencies, the TypeScript build, a Docker engine, and the sandbox image.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_MAJOR=24
cd "$ROOT"

say() { printf '[machine] %s\n' "$*" >&2; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ -x "$TOOLS/node/bin/node" ]; then export PATH="$TOOLS/node/bin:$PATH"; fi
  if command -v node >/dev/null && [ "$(node_major)" -ge "$NODE_MAJOR" ]; then return; fi
  command -v npm >/dev/null || { say "npm is needed to fetch Node $NODE_MAJOR: install Node.js first"; exit 1; }
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) say "unsupported OS $(uname -s): install Node $NODE_MAJOR yourself"; exit 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) say "unsupported CPU $(uname -m)"; exit 1 ;; esac
  say "fetching Node $NODE_MAJOR (node-$os-$arch) from the npm registry into .tools/node"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-$os-$arch@$NODE_MAJOR" >/dev/null 2>&1)
  rm -rf "$TOOLS/node" && mkdir -p "$TOOLS/node"
  tar -xzf "$tmp"/node-*.tgz -C "$TOOLS/node" --strip-components=1
  rm -rf "$tmp"
  export PATH="$TOOLS/node/bin:$PATH"
  say "using $(node --version)"
}

ensure_dependencies() {
  local stamp="node_modules/.cw-lock-hash" want
  want="$( (cat package-lock.json; node --version) | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

ensure_build() {
  say "building TypeScript"
  npm run --silent build
}

docker_ready() { docker info >/dev/null 2>&1; }

ensure_docker() {
  if docker_ready; then return; fi
  if [ "$(uname -s)" = Darwin ]; then
    say "Docker is not running: start Docker Desktop, then run this again"; exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    say "Docker is not running: start it (sudo systemctl start docker), then run this again"; exit 1
  fi
  if ! command -v dockerd >/dev/null; then
    say "installing Docker from Debian packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  # A dockerd killed with the previous session leaves its socket and pid file behind; both block a new start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then rm -f /var/run/docker.pid; fi
  if [ -S /var/run/docker.sock ] && ! docker_ready; then rm -f /var/run/docker.sock; fi
  say "starting dockerd (no bridge: this machine allows no private-range traffic)"
  mkdir -p "$TOOLS"
  nohup dockerd --bridge=none --iptables=false --ip-forward=false >"$TOOLS/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker_ready && return; sleep 0.5; done
  say "dockerd did not start; see $TOOLS/dockerd.log"; tail -20 "$TOOLS/dockerd.log" >&2; exit 1
}

ensure_sandbox_image() {
  if node build/worker/cli/cli.js --help 2>/dev/null | grep -q '^  sandbox'; then
    # Without a registry the image is built from Debian packages (debootstrap: Linux, as root). Elsewhere
    # (macOS, non-root) `sandbox build` uses sandbox/Dockerfile instead.
    if [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ] && ! PATH="$PATH:/usr/sbin:/sbin" command -v debootstrap >/dev/null; then
      say "installing debootstrap (builds the sandbox image offline)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    node build/worker/cli/cli.js sandbox build --if-missing
  fi
}

setup() {
  ensure_node
  ensure_dependencies
  ensure_build
  ensure_docker
  ensure_sandbox_image
}

case "${1:-}" in
  start) shift; setup; exec node build/worker/cli/cli.js start "$@" ;;
  test) shift; setup; npm run --silent lint; exec npm test -- "$@" ;;
  setup) setup ;;
  *) echo "usage: bash scripts/machine.sh start|test|setup" >&2; exit 2 ;;
esac
