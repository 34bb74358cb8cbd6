// Package guarantees holds the end-to-end tests of the processor's delivery
// guarantees (docs/guarantees.md). Each test runs the real pieces as
// separate OS processes: the processor command built from cmd/processor,
// the Kafka-protocol broker (`processor broker --data-dir`), and
// redis-server. It then breaks one of them on purpose (SIGKILL, an outage,
// a rebalance, hostile input, SIGTERM under load) and checks what the
// output topics and Redis hold afterwards.
//
// It owns no production code: the package is tests only, and this file
// exists for its comment. It does not test decision rules (package decide)
// or the wire format field by field (internal/app, cmd/processor).
package guarantees
