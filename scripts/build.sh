#!/usr/bin/env bash
# Cross-builds sonar-preflight for the five agent platforms into the task
# folder, then packages the Azure DevOps extension (.vsix) with tfx-cli.
#
# Usage: scripts/build.sh [--version V] [binaries|vsix|cli|all|version]   (default: all)
#   binaries  the five static binaries into the task folder's bin/
#   vsix      package the task folder (with its binaries) into DIST_DIR/*.vsix
#   cli       copy the binaries to DIST_DIR as sonar-preflight-<version>-<os>-<arch>[.exe],
#             with SHA256SUMS: the command-line tool's release files
#   all       binaries, vsix, cli
#   version   print the version and commit that would be stamped, and nothing else
#
# The version stamped into the binaries is the first of:
#   --version V or VERSION=V          given explicitly (1.2.3 or v1.2.3)
#   BUILD_SOURCEBRANCH=refs/tags/vV   Azure Pipelines building the tag vV; its
#                                     checkouts are shallow and fetch no tags
#   git describe --tags --dirty       a clone with its tags (v1.2.3-4-gabcdef0)
#   dev                               anything else
# A release version (1.2.3) must equal the manifests' version.
#
# Environment:
#   COMMIT     commit stamped into the binaries (default: git rev-parse --short HEAD)
#   STAGE_DIR  folder the extension is assembled in (default: the repository itself);
#              tests point it at a temporary folder so the work tree stays clean
#   DIST_DIR   folder that receives the .vsix (default: dist)
#   TARGETS    GOOS/GOARCH list to build (default: the five the task ships); tests
#              build one
#   TFX        tfx executable (default: tools/node_modules/.bin/tfx, which
#              `bash scripts/setup-node.sh` installs)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usage() {
	echo "usage: scripts/build.sh [--version V] [binaries|vsix|cli|all|version]" >&2
	exit 2
}

given_version="${VERSION:-}"
what=""
while (($#)); do
	case "$1" in
	--version)
		(($# >= 2)) || usage
		given_version="$2"
		shift 2
		;;
	--version=*)
		given_version="${1#--version=}"
		shift
		;;
	binaries | vsix | cli | all | version)
		[[ -z "$what" ]] || usage
		what="$1"
		shift
		;;
	*) usage ;;
	esac
done
what="${what:-all}"

task=task/SonarQubePreflightV1
stage="${STAGE_DIR:-$root}"
dist="${DIST_DIR:-$root/dist}"
tfx="${TFX:-$root/tools/node_modules/.bin/tfx}"
# Azure DevOps Server refuses extensions larger than this.
max_vsix_bytes=$((25 * 1024 * 1024))

# The version, as the header says.
if [[ -n "$given_version" ]]; then
	version="$given_version"
elif [[ "${BUILD_SOURCEBRANCH:-}" == refs/tags/v* ]]; then
	version="${BUILD_SOURCEBRANCH#refs/tags/}"
elif ! version="$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null)"; then
	version=dev
fi
version="${version#v}"
if [[ ! "$version" =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]]; then
	echo "build: version \"$version\" is not a version (digits, letters, . + _ -)" >&2
	exit 2
fi
commit="${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"

manifest_version="$(node -p 'require("./vss-extension.json").version')"
task_version="$(node -p 'const v = require("./'"$task"'/task.json").version; [v.Major, v.Minor, v.Patch].join(".")')"
if [[ "$manifest_version" != "$task_version" ]]; then
	# The agent caches tasks by version: a new extension with an old task
	# version would keep running the old binaries.
	echo "build: vss-extension.json version $manifest_version differs from task.json version $task_version" >&2
	exit 1
fi
if [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ && "$version" != "$manifest_version" ]]; then
	echo "build: release version $version differs from the manifests' version $manifest_version; bump both" >&2
	exit 1
fi

# collect_cli names each binary for a download page: version, OS and
# architecture in the file name (Node's names, as in the task), and writes
# their SHA-256 sums in the format sha256sum -c reads.
collect_cli() {
	local bin="$stage/$task/bin" f folder exe name
	mkdir -p "$dist"
	[[ -e "$dist/.gitignore" ]] || echo '*' >"$dist/.gitignore"
	local names=()
	for f in "$bin"/*/sonar-preflight*; do
		[[ -e "$f" ]] || {
			echo "build: no binaries in $task/bin; run: scripts/build.sh binaries" >&2
			exit 1
		}
		folder="$(basename "$(dirname "$f")")"
		exe=""
		[[ "$f" == *.exe ]] && exe=.exe
		name="sonar-preflight-$version-$folder$exe"
		cp "$f" "$dist/$name"
		chmod 0755 "$dist/$name"
		names+=("$name")
		echo "cli ${dist#"$root/"}/$name"
	done
	(cd "$dist" && sha256sum "${names[@]}" >SHA256SUMS)
	echo "cli ${dist#"$root/"}/SHA256SUMS"
}

stage_sources() {
	[[ "$stage" == "$root" ]] && return 0
	mkdir -p "$stage"
	rm -rf "$stage/images"
	mkdir -p "$stage/images"
	cp vss-extension.json overview.md LICENSE "$stage/"
	# Copy the contents, so an existing folder never gets a nested images/images.
	cp -R images/. "$stage/images/"
	mkdir -p "$stage/$task"
	# Only what the agent needs: no ignore files, no binaries of an earlier build.
	cp "$task/task.json" "$task/launcher.js" "$task/icon.png" "$stage/$task/"
}

build_binaries() {
	local bin="$stage/$task/bin"
	rm -rf "$bin"
	local ldflags="-s -w -X sonar-preflight/internal/version.Version=$version -X sonar-preflight/internal/version.Commit=$commit"
	local pids=() names=()
	# GOOS/GOARCH:folder, the folder being Node's process.platform-process.arch.
	local -A folders=([linux/amd64]=linux-x64 [linux/arm64]=linux-arm64 [windows/amd64]=win32-x64
		[darwin/amd64]=darwin-x64 [darwin/arm64]=darwin-arm64)
	for target in ${TARGETS:-linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64}; do
		local folder="${folders[$target]:-}"
		if [[ -z "$folder" ]]; then
			echo "build: TARGETS names $target; the task ships ${!folders[*]}" >&2
			exit 2
		fi
		local goos="${target%%/*}" goarch="${target#*/}"
		local exe=sonar-preflight
		[[ "$goos" == windows ]] && exe=sonar-preflight.exe
		mkdir -p "$bin/$folder"
		CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
			go build -trimpath -ldflags "$ldflags" -o "$bin/$folder/$exe" ./cmd/sonar-preflight &
		pids+=("$!")
		names+=("$goos/$goarch")
	done
	local failed=0
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			echo "build: go build for ${names[$i]} failed" >&2
			failed=1
		fi
	done
	[[ "$failed" == 0 ]] || exit 1
	for f in "$bin"/*/*; do
		echo "binary ${f#"$stage/"} $(stat -c %s "$f") bytes"
	done
}

package_vsix() {
	if [[ ! -x "$tfx" ]]; then
		echo "build: $tfx not found; run: bash scripts/setup-node.sh" >&2
		exit 1
	fi
	for folder in linux-x64 linux-arm64 win32-x64 darwin-x64 darwin-arm64; do
		if ! compgen -G "$stage/$task/bin/$folder/sonar-preflight*" >/dev/null; then
			echo "build: no binary in $task/bin/$folder; run: scripts/build.sh binaries" >&2
			exit 1
		fi
	done
	mkdir -p "$dist"
	# dist/ ignores itself so nothing built lands in a commit.
	[[ -e "$dist/.gitignore" ]] || echo '*' >"$dist/.gitignore"
	local name out
	name="$(node -p 'const m = require("./vss-extension.json"); m.publisher + "." + m.id + "-" + m.version')"
	out="$dist/$name.vsix"
	rm -f "$out"
	local log
	if ! log="$("$tfx" extension create --root "$stage" --manifest-globs vss-extension.json \
		--output-path "$out" --no-prompt --no-color 2>&1)"; then
		echo "$log" >&2
		exit 1
	fi
	echo "$log" >&2
	# tfx only warns about an invalid task.json ("in the future ... an error");
	# a package the agent may refuse is not worth shipping.
	if grep -q '^warning:' <<<"$log"; then
		rm -f "$out"
		echo "build: tfx-cli warned about the extension (above); fix it" >&2
		exit 1
	fi
	local size
	size="$(stat -c %s "$out")"
	echo "vsix ${out#"$root/"} $size bytes"
	if ((size >= max_vsix_bytes)); then
		echo "build: $out is $size bytes, over the 25 MiB that Azure DevOps Server accepts" >&2
		exit 1
	fi
}

if [[ "$what" == version ]]; then
	echo "$version $commit"
	exit 0
fi

# `cli` only collects binaries already built: it stages nothing, so it can
# run beside a `vsix` build of the same stage folder.
[[ "$what" == cli ]] || stage_sources
case "$what" in
binaries) build_binaries ;;
vsix) package_vsix ;;
cli) collect_cli ;;
all)
	build_binaries
	package_vsix
	collect_cli
	;;
esac
