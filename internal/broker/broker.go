// Package broker runs the embedded Kafka-protocol broker (kfake) that lets
// the processor work with nothing installed: `processor run` without
// --brokers starts one in-process, and `processor broker` runs one alone so
// that several processors, or a restarted one, share its topics.
//
// It owns the broker's lifetime, where it listens and how clients must
// connect (plaintext, TLS, SASL). Topics live in memory unless a data
// directory is given; then topics and committed offsets are written there
// and reloaded on the next start. It is a development and test broker: one
// node, no replication. It does not load certificates or passwords from
// files: callers hand it a *tls.Config and the users.
package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// The SASL mechanisms a User may have.
const (
	MechanismPlain       = "PLAIN"
	MechanismScramSHA256 = "SCRAM-SHA-256"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// User is a SASL user of the broker. Every user is a superuser: the broker
// checks who a client is, not what it may do.
type User struct {
	// Mechanism is MechanismPlain, MechanismScramSHA256 or
	// MechanismScramSHA512.
	Mechanism string
	Name      string
	Password  string
}

// Config configures a Broker.
type Config struct {
	// Addr is host:port to listen on; port 0 picks a free port. The
	// broker advertises the address it listens on, so clients must reach
	// it there. Default "127.0.0.1:9092".
	Addr string
	// DataDir keeps topics and committed offsets across restarts; empty
	// keeps them in memory only.
	DataDir string
	// TLS, when set, makes the broker accept TLS connections only, with
	// this server configuration (its certificate; ClientCAs and ClientAuth
	// to require client certificates). Nil: plaintext.
	TLS *tls.Config
	// Users, when not empty, requires every client to authenticate with
	// SASL as one of them. Empty: no authentication.
	Users []User
}

// Validate reports a configuration Start refuses.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("broker addr %q: must be host:port", c.Addr))
	}
	if c.TLS != nil && len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil {
		errs = append(errs, errors.New("broker tls: a server certificate is required"))
	}
	for i, u := range c.Users {
		switch u.Mechanism {
		case MechanismPlain, MechanismScramSHA256, MechanismScramSHA512:
		default:
			errs = append(errs, fmt.Errorf("broker user %d: mechanism %q: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", i, u.Mechanism))
		}
		if u.Name == "" || u.Password == "" {
			errs = append(errs, fmt.Errorf("broker user %d: name and password are required", i))
		}
	}
	return errors.Join(errs...)
}

// Exposure says what is missing when the broker listens beyond loopback
// without both TLS and SASL, as a warning for its caller to show loudly;
// it is empty on a loopback address, or with both. Every topic, the DLQ
// with rejected manifests whole (names and addresses) among them, is then
// readable and writable by anyone who reaches the port.
func (c Config) Exposure() string {
	host, _, err := net.SplitHostPort(c.Addr)
	if err == nil && isLoopback(host) {
		return ""
	}
	var missing []string
	if c.TLS == nil {
		missing = append(missing, "TLS")
	}
	if len(c.Users) == 0 {
		missing = append(missing, "SASL")
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("the broker listens beyond loopback (%s) without %s: anyone who reaches it reads every topic, the DLQ's raw manifests with names and addresses included; bind 127.0.0.1, or give it a certificate and a SASL user",
		c.Addr, strings.Join(missing, " or "))
}

// isLoopback reports whether host names this machine only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// Start starts a broker.
func Start(cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
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
	if cfg.TLS != nil {
		opts = append(opts, kfake.TLS(cfg.TLS))
	}
	if len(cfg.Users) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range cfg.Users {
			opts = append(opts, kfake.Superuser(u.Mechanism, u.Name, u.Password))
		}
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
