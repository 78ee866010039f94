#!/usr/bin/env bash
# Runs every test of sonar-preflight on a fresh machine: installs what the
# tests need (Go modules, the Node tools in tools/), checks formatting and vet,
# runs the whole Go test suite with the race detector (unit, simulator
# scenarios, fault matrix, secrets, packaging: task.json, launcher, .vsix,
# empty-root run), then runs every fuzz target briefly.
#
#   FUZZTIME=3s   time per fuzz target (0 skips fuzzing)
#   GOFLAGS       passed through to go
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime="${FUZZTIME:-3s}"
step() { printf '\n==> %s\n' "$*"; }

step "Go modules"
go mod download
go mod verify

step "Node tools (azure-pipelines-task-lib, tfx-cli)"
bash scripts/setup-node.sh

step "gofmt and go vet"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/*'))"
if [[ -n "$unformatted" ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

step "go test -race ./..."
go test -race -count=1 -timeout 12m ./...

if [[ "$fuzztime" != "0" ]]; then
  step "fuzz targets, $fuzztime each"
  # Every Fuzz function of every package, one at a time (go test -fuzz takes one).
  while IFS=: read -r file fn; do
    pkg="./$(dirname "$file")"
    echo "-- $pkg $fn"
    go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tail -n 2
  done < <(grep -rHoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' internal cmd | sed -E 's/:func /:/')
fi

step "all tests passed"
