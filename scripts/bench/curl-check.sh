#!/usr/bin/env bash
# The check a person would write by hand: one curl per endpoint, one after
# another. scripts/bench runs it against the simulator, with the same
# endpoints the preflight called, to measure the preflight's speed-up in the
# same run.
#
# Usage: curl-check.sh URLS_FILE
#   one "STATUS URL" a line: the status the healthy service answers (the
#   global-PAT probe's healthy answer is 401), and the https URL
#
# Environment, as `sonar-preflight simulate --env-file` writes it:
#   SONAR_HOST_URL, SONAR_TOKEN            SonarQube: -u token: (Basic, empty password)
#   AZURE_DEVOPS_EXT_PAT                   every other host: -u :PAT
#   SSL_CERT_FILE                          --cacert
#   SONAR_PREFLIGHT_RESOLVE                host:port:addr:port,... routing names to loopback
set -euo pipefail

urls="${1:?usage: curl-check.sh URLS_FILE}"
sonar_host="${SONAR_HOST_URL#https://}"
sonar_host="${sonar_host%%/*}"

# The simulator listens on loopback ports other than 443. curl's --resolve
# can change the address but not the port, so --connect-to does the routing.
route=()
IFS=',' read -ra entries <<<"${SONAR_PREFLIGHT_RESOLVE:-}"
for e in "${entries[@]}"; do
	host="${e%%:*}" rest="${e#*:}"
	port="${rest%%:*}" addr="${rest#*:}"
	route+=(--connect-to "$host:$port:$addr")
done

while read -r want url; do
	[[ -n "$url" ]] || continue
	host="${url#https://}"
	host="${host%%/*}"
	if [[ "$host" == "$sonar_host" ]]; then
		user="$SONAR_TOKEN:"
	else
		user=":$AZURE_DEVOPS_EXT_PAT"
	fi
	# -u by a config read from stdin, so the credential is not on a command
	# line that other processes can read.
	got="$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$SSL_CERT_FILE" "${route[@]}" -K - "$url" <<<"user = \"$user\"")"
	if [[ "$got" != "$want" ]]; then
		echo "curl-check: $url answered $got, not $want" >&2
		exit 1
	fi
done <"$urls"
