#!/usr/bin/env bash
# Installs the Node tooling in tools/ (azure-pipelines-task-lib for the
# logging-command round-trip tests, tfx-cli for packaging) exactly as locked.
# Idempotent: when tools/node_modules was installed from the current lock file
# it does nothing, so it also works offline after a first install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
lock="$tools/package-lock.json"
stamp="$tools/node_modules/.sonar-preflight-lock.sha256"

command -v node >/dev/null || { echo "setup-node: node is not on PATH (Node 20 or later is needed)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup-node: npm is not on PATH" >&2; exit 1; }

want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$tools/node_modules/azure-pipelines-task-lib/taskcommand.js" ]]; then
  echo "setup-node: tools/node_modules matches package-lock.json; nothing to do"
  exit 0
fi

npm ci --prefix "$tools" --no-audit --no-fund
# Written only after a complete install, so an interrupted one is redone.
echo "$want" >"$stamp"
echo "setup-node: installed tools/node_modules from package-lock.json"
