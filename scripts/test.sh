#!/usr/bin/env bash
# Runs every test of sonar-preflight on a fresh machine: installs what the
# tests need (Go modules, the Node tools in tools/), checks formatting and vet,
# runs the whole Go test suite with the race detector (unit, simulator
# scenarios, fault matrix, secrets, packaging: task.json, launcher, .vsix,
# the minimal image's layout as its non-root user, when run as root), then
# runs every fuzz target briefly.
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
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  while IFS=: read -r file fn; do
    pkg="./$(dirname "$file")"
    echo "-- $pkg $fn"
    for try in 1 2; do
      if go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
        tail -n 1 "$log"
        break
      fi
      cat "$log"
      # A failing input is written to testdata/fuzz/<target>/: that is a real
      # failure. Without one the fuzzing engine itself stumbled (a worker
      # stopped under load); try once more, and fail if it happens again.
      if [[ -n "$(git status --porcelain -- "$(dirname "$file")/testdata/fuzz/$fn" 2>/dev/null)" || $try == 2 ]]; then
        echo "fuzz target $fn failed"; exit 1
      fi
      echo "-- no failing input was written; running $fn once more"
    done
  done < <(grep -rHoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' internal cmd | sed -E 's/:func /:/')
fi

step "all tests passed"
