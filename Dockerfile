# Container image of the s321 processor.
#
#   docker build -t s321-processor .
#   docker run --rm -e RECIPIENT_KEY_SECRET=... -v /etc/s321:/etc/s321:ro s321-processor run \
#     --brokers kafka:9092 --redis-url redis://redis:6379/0 \
#     --http-addr 0.0.0.0:8080 --web-config-file /etc/s321/web.yml
#
# Bind --http-addr beyond the container's loopback only with a web
# configuration (basic_auth_users, and TLS outside a private network):
# without one, the metrics, the status page and the /v1 queries (recipient
# keys, alerts) are open to anyone who reaches the port. See
# docs/operations.md#the-http-server.
#
# Stage 1 builds a static binary; stage 2 is distroless: no shell, no
# package manager, runs as the unprivileged "nonroot" user (uid 65532).
# The binary embeds the time-zone database (time/tzdata), the built-in
# regime table and the Redis Lua script, so it needs no file from the
# image; CA certificates come with the distroless base.

# Both base images are pinned by digest, so a rebuild of this commit uses
# the same images whatever their tags point at later. The golang images set
# GOTOOLCHAIN=local, so the Go image must be at least the "go" line of
# go.mod (1.26.8). The digests were taken from public Dockerfiles that pin
# these tags; they could not be pulled and checked where this file was
# written. Verify, and refresh them when upgrading, with
#   docker buildx imagetools inspect golang:1.26.8-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# (or crane digest IMAGE). --build-arg GO_IMAGE=... overrides the first.
ARG GO_IMAGE=golang:1.26.8-bookworm@sha256:dc9ad6c05acc7a88e5b71bde60a5fe3bd4b9f0db209011711b464107438a8107

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules first, so editing source does not download them again.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/processor ./cmd/processor

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/processor /processor
USER nonroot:nonroot
# The status page, /healthz, /readyz, /metrics and /v1, when started with
# --http-addr 0.0.0.0:8080 and --web-config-file (the default, 127.0.0.1:8080,
# is not reachable from outside the container).
EXPOSE 8080
# No HEALTHCHECK: distroless has no shell, curl or wget to run one, and the
# processor has no self-probe subcommand. Probe GET /healthz (liveness) and
# GET /readyz (readiness) from outside: an orchestrator's HTTP probe or
# Prometheus (s321_ready, up), with the credentials of the web
# configuration (an Authorization: Basic header).
ENTRYPOINT ["/processor"]
CMD ["run"]
