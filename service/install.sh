#!/usr/bin/env bash
# Installs CodingWorker as a service for the current user: a launchd agent on macOS, a systemd user unit
# on Linux. Idempotent; run it again after moving the checkout.
#   bash service/install.sh             install (or update) and start
#   bash service/install.sh --dry-run   print what would be written, change nothing
# The env file (~/.config/codingworker/codingworker.env, mode 600) is created from the example only when it
# does not exist yet; the service is then not started until you have filled it in and run this again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRY_RUN=false
OS="$(uname -s)"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=true ;;
    --os) OS="$2"; shift ;; # Darwin or Linux: lets the tests render both on one machine
    *) echo "usage: bash service/install.sh [--dry-run] [--os Darwin|Linux]" >&2; exit 2 ;;
  esac
  shift
done

CONFIG_DIR="$HOME/.config/codingworker"
ENV_FILE="$CONFIG_DIR/codingworker.env"
case "$OS" in
  Darwin) LOG_DIR="$HOME/Library/Logs/codingworker" ;;
  Linux) LOG_DIR="${XDG_STATE_HOME:-$HOME/.local/state}/codingworker" ;;
  *) echo "install.sh: unsupported system $OS: run the worker with bash scripts/machine.sh start" >&2; exit 1 ;;
esac

render() {
  sed -e "s|__CODINGWORKER_DIR__|$ROOT|g" -e "s|__HOME__|$HOME|g" -e "s|__LOG_DIR__|$LOG_DIR|g" "$1"
}

# write DEST SOURCE: the rendered SOURCE to DEST (printed instead with --dry-run).
write() {
  if $DRY_RUN; then
    printf '==> %s\n' "$1"
    render "$2"
  else
    mkdir -p "$(dirname "$1")"
    render "$2" >"$1"
  fi
}

fresh_env=false
if [ ! -f "$ENV_FILE" ]; then
  fresh_env=true
  if $DRY_RUN; then write "$ENV_FILE" "$ROOT/service/codingworker.env.example"; else
    (umask 077 && write "$ENV_FILE" "$ROOT/service/codingworker.env.example")
    chmod 600 "$ENV_FILE"
  fi
fi

if [ "$OS" = Darwin ]; then
  PLIST="$HOME/Library/LaunchAgents/com.codingworker.worker.plist"
  write "$PLIST" "$ROOT/service/com.codingworker.worker.plist"
  $DRY_RUN && exit 0
  mkdir -p "$LOG_DIR"
  if $fresh_env; then
    echo "Created $ENV_FILE (mode 600): fill it in (docs/setup.md), then run: bash service/install.sh"
    exit 0
  fi
  launchctl bootout "gui/$(id -u)/com.codingworker.worker" 2>/dev/null || true
  launchctl bootstrap "gui/$(id -u)" "$PLIST"
  echo "Started com.codingworker.worker. Status: launchctl print gui/$(id -u)/com.codingworker.worker | head -20"
  echo "Log: $LOG_DIR/worker.<date>.<n>.log (JSON lines, rotated daily); start-up errors: $LOG_DIR/stderr.log"
else
  UNIT="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user/codingworker.service"
  write "$UNIT" "$ROOT/service/codingworker.service"
  $DRY_RUN && exit 0
  mkdir -p "$LOG_DIR"
  if $fresh_env; then
    echo "Created $ENV_FILE (mode 600): fill it in (docs/setup.md), then run: bash service/install.sh"
    exit 0
  fi
  systemctl --user daemon-reload
  systemctl --user enable codingworker
  systemctl --user restart codingworker
  echo "Started codingworker. Status: systemctl --user status codingworker; log: journalctl --user -u codingworker -f"
  echo "To keep it running while you are logged out: loginctl enable-linger $USER"
fi
