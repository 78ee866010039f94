#!/bin/sh
# Lays out the root file system of the `minimal` image (see Dockerfile): the
# static binary, a CA bundle, a world-writable sticky /tmp (the preflight and
# its demo write temporary files there) and a non-root user. The Dockerfile's
# build stage runs it and copies the result whole into a scratch image;
# test/packaging runs it too, and then the binary in that root as that user.
#
# Usage: scripts/minimal-rootfs.sh DEST BINARY CA_BUNDLE
# Needs root (the home folder belongs to the user).
set -eu

if [ "$#" -ne 3 ]; then
	echo "usage: scripts/minimal-rootfs.sh DEST BINARY CA_BUNDLE" >&2
	exit 2
fi
dest=$1 binary=$2 ca=$3

# The non-root user: the uid distroless images use for "nonroot". The
# Dockerfile's USER names the same numbers (a numeric USER lets Kubernetes'
# runAsNonRoot verify it).
uid=65532
gid=65532

rm -rf "$dest"
mkdir -p "$dest/usr/local/bin" "$dest/etc/ssl/certs" "$dest/tmp" "$dest/home/nonroot"
cp "$binary" "$dest/usr/local/bin/sonar-preflight"
chmod 0755 "$dest/usr/local/bin/sonar-preflight"
# Debian's path, the first one Go's crypto/x509 looks at on Linux.
cp "$ca" "$dest/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$dest/etc/ssl/certs/ca-certificates.crt"
chmod 0755 "$dest/usr" "$dest/usr/local" "$dest/usr/local/bin" "$dest/etc" "$dest/etc/ssl" "$dest/etc/ssl/certs" "$dest/home"
chmod 1777 "$dest/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' "$uid" "$gid" >"$dest/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' "$gid" >"$dest/etc/group"
chmod 0644 "$dest/etc/passwd" "$dest/etc/group"
chown "$uid:$gid" "$dest/home/nonroot"
chmod 0700 "$dest/home/nonroot"
