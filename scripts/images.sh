#!/usr/bin/env bash
# Builds the two container images and smoke-tests each the way it is used:
# the minimal image as its own non-root user (version, labels, and the demo,
# which writes to /tmp), the job image as an arbitrary non-root uid, as the
# agent runs container steps.
#
# Usage: scripts/images.sh REPOSITORY TAG
#   makes REPOSITORY:TAG (the container-job image) and REPOSITORY:TAG-minimal
#
# The version and commit are the ones scripts/build.sh stamps (VERSION,
# BUILD_SOURCEBRANCH=refs/tags/v..., COMMIT; see its header). SOURCE, if set,
# is the repository URL for the org.opencontainers.image.source label.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if (($# != 2)); then
	echo "usage: scripts/images.sh REPOSITORY TAG" >&2
	exit 2
fi
repo="$1" tag="$2"
job="$repo:$tag" minimal="$repo:$tag-minimal"

stamp="$(bash scripts/build.sh version)"
read -r version commit <<<"$stamp"
args=(--build-arg "VERSION=$version" --build-arg "COMMIT=$commit" --build-arg "SOURCE=${SOURCE:-}")
docker build "${args[@]}" -t "$job" .
docker build "${args[@]}" --target minimal -t "$minimal" .

fail() {
	echo "images: $*" >&2
	exit 1
}
want="sonar-preflight $version ($commit)"

for image in "$job" "$minimal"; do
	for label in version:"$version" revision:"$commit" licenses:MIT; do
		got="$(docker image inspect --format "{{index .Config.Labels \"org.opencontainers.image.${label%%:*}\"}}" "$image")"
		[[ "$got" == "${label#*:}" ]] || fail "$image: label org.opencontainers.image.${label%%:*} is \"$got\", want \"${label#*:}\""
	done
done

# minimal: its own USER, no shell.
user="$(docker image inspect --format '{{.Config.User}}' "$minimal")"
[[ -n "$user" && "${user%%:*}" != 0 && "${user%%:*}" != root ]] || fail "$minimal runs as \"$user\", want a non-root user"
got="$(docker run --rm "$minimal" version)"
[[ "$got" == "$want" ]] || fail "$minimal version: \"$got\", want \"$want\""
out="$(docker run --rm "$minimal" demo --color never)" || fail "$minimal demo failed:"$'\n'"$out"
grep -q 'would have exited with code 1' <<<"$out" || fail "$minimal demo did not run the preflight:"$'\n'"$out"

# job image: bash, the binary on PATH, runnable by any uid.
got="$(docker run --rm --user 12345:12345 "$job" bash -c 'sonar-preflight version')"
[[ "$got" == "$want" ]] || fail "$job version as uid 12345: \"$got\", want \"$want\""
out="$(docker run --rm --user 12345:12345 "$job" sonar-preflight demo --color never)" ||
	fail "$job demo as uid 12345 failed:"$'\n'"$out"
grep -q 'would have exited with code 1' <<<"$out" || fail "$job demo did not run the preflight:"$'\n'"$out"

echo "images: $job and $minimal ($want) built and smoke-tested"
