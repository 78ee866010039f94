#!/usr/bin/env bash
# Measures the fleet audit against its targets: requests, wall time, peak
# memory and the ratio of wall time to the lower bound, for 1,000 and 10,000
# projects, on SonarQube 10.x (v2 listings) and the per-project fallback, at
# 20 ms per request. Loopback only; takes about two minutes.
#
# Usage: scripts/bench-audit.sh [-sizes 1000,10000] [-paths v2,fallback] [-latency 20ms] [-concurrency 8] [-strict]
#   -strict   exit 1 when a target is missed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./scripts/bench/audit "$@"
