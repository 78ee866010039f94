# syntax=docker/dockerfile:1
#
# Two images from one file:
#   docker build -t sonar-preflight .                          container-job image (default, last stage)
#   docker build --target minimal -t sonar-preflight:minimal . static binary for `docker run`
#
# Build arguments, stamped into the binary and the OCI labels:
#   VERSION   1.2.3 (scripts/build.sh version prints it for a checkout)
#   COMMIT    the commit built
#   SOURCE    the repository's URL (org.opencontainers.image.source)
#
# Base images are pinned to exact tags: a Go release (the go.mod version) and a
# dated Debian build. Bump them deliberately; test/packaging holds the Go
# version to go.mod's and to the pipeline's.
ARG GO_IMAGE=golang:1.26.8-trixie
ARG DEBIAN_IMAGE=debian:trixie-20260202-slim

# --- build: one static binary, independent of any libc ------------------------
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# The minimal image's whole root is laid out here and copied in one piece: a
# COPY into scratch creates the folders it copies into with its own modes, so a
# sticky /tmp must arrive as an entry of the copied tree.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X sonar-preflight/internal/version.Version=${VERSION} -X sonar-preflight/internal/version.Commit=${COMMIT}" \
      -o /out/sonar-preflight ./cmd/sonar-preflight \
 && sh scripts/minimal-rootfs.sh /out/rootfs /out/sonar-preflight /etc/ssl/certs/ca-certificates.crt

# --- minimal: for `docker run`; not usable as a pipeline's job container -------
# Only the binary, CA certificates, /tmp (1777) and a non-root user: no shell,
# so the agent cannot set a job container up in it.
FROM scratch AS minimal
COPY --from=build /out/rootfs/ /
ARG VERSION=dev
ARG COMMIT=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="sonar-preflight (minimal)" \
      org.opencontainers.image.description="Checks SonarQube and its Azure DevOps or GitHub integration before analysis" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/usr/local/bin
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["sonar-preflight"]

# --- default: an Azure Pipelines container job image --------------------------
# The agent's requirements for a job container: glibc, bash, no ENTRYPOINT,
# and a USER that may run useradd/groupadd without sudo (root), because the
# agent creates a user with its own uid and runs every step as that user. It
# mounts its own Node.js, so none is installed here.
FROM ${DEBIAN_IMAGE} AS job
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates sudo \
 && rm -rf /var/lib/apt/lists/*
# World-executable, so the agent's unprivileged user can run it.
COPY --from=build --chmod=0755 /out/sonar-preflight /usr/local/bin/sonar-preflight
ARG VERSION=dev
ARG COMMIT=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="sonar-preflight" \
      org.opencontainers.image.description="Checks SonarQube and its Azure DevOps or GitHub integration before analysis; an Azure Pipelines container-job image" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.licenses="MIT"
USER root
CMD ["bash"]
