# syntax=docker/dockerfile:1
#
# Two images from one file:
#   docker build -t sonar-preflight .                          container-job image (default, last stage)
#   docker build --target minimal -t sonar-preflight:minimal . static binary for `docker run`
# Build arguments VERSION and COMMIT are stamped into the binary.

ARG GO_VERSION=1.26

# --- build: one static binary, independent of any libc ------------------------
FROM golang:${GO_VERSION}-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X sonar-preflight/internal/version.Version=${VERSION} -X sonar-preflight/internal/version.Commit=${COMMIT}" \
      -o /out/sonar-preflight ./cmd/sonar-preflight \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp

# --- minimal: for `docker run`; not usable as a pipeline's job container -------
# Only the binary and CA certificates: no shell, so the agent cannot set a
# job container up in it.
FROM scratch AS minimal
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build --chmod=0755 /out/sonar-preflight /usr/local/bin/sonar-preflight
ENV PATH=/usr/local/bin
USER 65532:65532
ENTRYPOINT ["sonar-preflight"]

# --- default: an Azure Pipelines container job image --------------------------
# The agent's requirements for a job container: glibc, bash, no ENTRYPOINT,
# and a USER that may run useradd/groupadd without sudo (root), because the
# agent creates a user with its own uid and runs every step as that user. It
# mounts its own Node.js, so none is installed here.
FROM debian:trixie-slim AS job
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates sudo \
 && rm -rf /var/lib/apt/lists/*
# World-executable, so the agent's unprivileged user can run it.
COPY --from=build --chmod=0755 /out/sonar-preflight /usr/local/bin/sonar-preflight
USER root
CMD ["bash"]
