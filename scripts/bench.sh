#!/usr/bin/env bash
# Measures sonar-preflight against its speed targets: critical-path ratio at
# 50 ms per request, repeated requests, start to first output, binary size,
# and the speed-up over a sequential curl check. Loopback only.
#
# Usage: scripts/bench.sh [-n RUNS] [-latency 50ms] [-strict]
#   -strict   exit 1 when a target is missed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./scripts/bench "$@"
