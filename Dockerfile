# Container image of the s321 processor.
#
#   docker build -t s321-processor .
#   docker run --rm -e RECIPIENT_KEY_SECRET=... s321-processor run \
#     --brokers kafka:9092 --redis-url redis://redis:6379/0 --http-addr 0.0.0.0:8080
#
# Stage 1 builds a static binary; stage 2 is distroless: no shell, no
# package manager, runs as the unprivileged "nonroot" user (uid 65532).
# The binary embeds the time-zone database (time/tzdata), the built-in
# regime table and the Redis Lua script, so it needs no file from the
# image; CA certificates come with the distroless base.

# The golang images set GOTOOLCHAIN=local, so this tag must resolve to a Go
# at least as new as the "go" line of go.mod (1.26.x): pull a fresh
# golang:1.26 (docker build --pull) if the build says go.mod needs a newer Go.
ARG GO_IMAGE=golang:1.26

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules first, so editing source does not download them again.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/processor ./cmd/processor

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/processor /processor
USER nonroot:nonroot
# /healthz, /readyz and /metrics, when started with --http-addr 0.0.0.0:8080
# (the default, 127.0.0.1:8080, is not reachable from outside the container).
EXPOSE 8080
# No HEALTHCHECK: distroless has no shell, curl or wget to run one, and the
# processor has no self-probe subcommand. Probe GET /healthz (liveness) and
# GET /readyz (readiness) from outside: an orchestrator's HTTP probe or
# Prometheus (s321_ready, up).
ENTRYPOINT ["/processor"]
CMD ["run"]
