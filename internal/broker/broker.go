// Package broker runs the embedded Kafka-protocol broker (kfake) that lets
// the processor work with nothing installed: `processor run` without
// --brokers starts one in-process, and `processor broker` runs one alone so
// that several processors, or a restarted one, share its topics.
//
// It owns the broker's lifetime and where it listens. Topics live in memory
// unless a data directory is given; then topics and committed offsets are
// written there and reloaded on the next start. It is a development and
// test broker: one node, no replication.
package broker

import (
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config configures a Broker.
type Config struct {
	// Addr is host:port to listen on; port 0 picks a free port. The
	// broker advertises the address it listens on, so clients must reach
	// it there. Default "127.0.0.1:9092".
	Addr string
	// DataDir keeps topics and committed offsets across restarts; empty
	// keeps them in memory only.
	DataDir string
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// Start starts a broker.
func Start(cfg Config) (*Broker, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("broker addr %q: must be host:port", cfg.Addr)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		// kfake listens on 127.0.0.1 by default; bind exactly where asked.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, cfg.Addr)
		}),
		kfake.DefaultNumPartitions(1),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s: %w", cfg.Addr, err)
	}
	addrs := cluster.ListenAddrs()
	return &Broker{cluster: cluster, addr: addrs[0]}, nil
}

// Addr is the address the broker listens on and advertises.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker; with a data directory, it writes its state
// there first.
func (b *Broker) Close() { b.cluster.Close() }
