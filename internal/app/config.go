package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/s321/s321/internal/consume"
	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/window"
)

// DevRecipientKeySecret is the recipient-key secret used when none is
// given and Kafka is embedded: fine for trying the processor, useless for
// privacy, since anyone can read it here.
const DevRecipientKeySecret = "s321-development-secret-not-for-production"

// Config is everything `processor run` is started with. Resolve it from
// flags, environment and a file (package config), then Validate it (no
// I/O) and Load the files it names (tables, certificates, the web
// configuration), once; New does both. Run reads no flag or environment,
// and no file but those, again, on reload.
type Config struct {
	// Brokers are the Kafka bootstrap servers; empty starts an embedded
	// Kafka-protocol broker on EmbeddedKafkaAddr.
	Brokers []string
	// EmbeddedKafkaAddr is where the embedded broker listens. Default
	// "127.0.0.1:9092"; port 0 picks a free one.
	EmbeddedKafkaAddr string
	// RedisURL is redis://host:port/db (rediss:// for TLS), or a Redis
	// Cluster as redis+cluster://host1:port,host2:port/ or several
	// comma-separated redis:// URLs; empty keeps the state in memory
	// (window.NewMemory), which applies the same counting rules. It may
	// hold a user and password; it is never logged.
	RedisURL string
	// RedisUsername and RedisPassword, when set, replace the credentials of
	// RedisURL (an ACL user; a password alone is the default user's).
	RedisUsername string
	RedisPassword string
	// RedisTLS adds a CA and a client certificate to Redis connections and
	// turns TLS on. Default off (unless RedisURL is rediss://).
	RedisTLS TLSFiles
	// KafkaTLS configures TLS to the brokers, for every Kafka client: the
	// consumer group, the partition readers, the producer and the admin
	// client. Default off. Requires Brokers.
	KafkaTLS TLSFiles
	// KafkaSASL authenticates every Kafka client. Default off. Requires
	// Brokers.
	KafkaSASL SASL
	// HTTPAddr serves /healthz, /readyz and /metrics. Default
	// "127.0.0.1:8080"; empty disables it. While it is a loopback address,
	// requests must name a loopback Host (see hostGuard).
	HTTPAddr string
	// WebConfigFile is a web configuration in the format of the Prometheus
	// exporter-toolkit (tls_server_config, basic_auth_users with bcrypt
	// hashes) for everything served on HTTPAddr; it is read again on every
	// request and TLS handshake, so changes apply without a restart.
	// Default empty: plain HTTP, no authentication.
	WebConfigFile string
	// MaxQueries is how many /v1 requests are served at once; more are
	// answered 503 at once. Default 8.
	MaxQueries int
	// Pprof mounts the Go runtime profiles (net/http/pprof) under
	// /debug/pprof/ on HTTPAddr, for profiling a running processor.
	// Default off: the profiles show the process's memory and goroutines,
	// so leave it off where HTTPAddr is reachable by others.
	Pprof bool
	// GroupID is the Kafka consumer group. Default "s321-processor".
	GroupID string
	// EntryDayZone is the IANA time zone of entry dates. Default
	// "America/New_York".
	EntryDayZone string
	// InputTopic and the output topics. Defaults as in the contract.
	InputTopic string
	Topics     process.Topics
	// RegimesFile replaces the built-in regime table; empty keeps it.
	RegimesFile string
	// FXRatesFile is a CSV of effective-dated exchange rates; empty
	// accepts USD values only.
	FXRatesFile string
	// ShadowRegimesFile, when set, is a second regime table every parcel
	// is evaluated against as well, with day totals of its own, for
	// what-if; it never changes the live decision.
	ShadowRegimesFile string
	// ReloadInterval is how often the files above are checked for changes
	// (SIGHUP reloads at once). Default 5s; 0 checks only on SIGHUP.
	ReloadInterval time.Duration
	// RecipientKeySecret keys the recipient hash. Required with external
	// Kafka or Redis, where keys leave the process; with the embedded
	// broker and store both, DevRecipientKeySecret stands in.
	RecipientKeySecret string
	// StateTTL is how long a recipient's day is kept after its last
	// update. Default 8 days.
	StateTTL time.Duration
	// MaxMessageBytes is the largest message decided. Default 1 MiB.
	MaxMessageBytes int
	// Partitions is the partition count of topics created at start-up.
	// Default 12.
	Partitions int
	// ReplicationFactor of topics created at start-up. Default 1.
	ReplicationFactor int
	// MaxBatch is the most messages decided at once. Default 1000.
	MaxBatch int
	// Workers is the most batches decided at once; the assigned
	// partitions are shared among them. Default 4.
	Workers int
	// ShutdownTimeout bounds the drain after SIGINT or SIGTERM. Default 30s.
	ShutdownTimeout time.Duration
	// KeyPrefix starts every Redis key. Default "s321".
	KeyPrefix string
	// AddressClusterNames is how many distinct recipient names at one
	// address on one day, together above the threshold, raise an
	// address_cluster alert. Default 3; 0 turns these alerts off.
	AddressClusterNames int
	// KeepDecisions keeps each decision and alert in Redis for --state-ttl,
	// for `processor explain`, /v1/parcels/{id} and /v1/alerts. Default
	// true; false spares Redis about a fifth of its CPU and a third of its
	// memory a parcel, and those queries answer that nothing is kept.
	KeepDecisions bool

	// Parsed by Validate.
	zone *time.Location
	// Read by Load.
	tables tables
	kafka  kafkaClients
}

// DefaultConfig returns the defaults documented on Config. The settings
// of a component take that component's defaults (consume, window,
// process), so each default is written once, where it is used.
func DefaultConfig() Config {
	consumer := consume.DefaultConfig()
	store := window.DefaultConfig()
	processor := process.DefaultConfig()
	return Config{
		EmbeddedKafkaAddr:   "127.0.0.1:9092",
		HTTPAddr:            "127.0.0.1:8080",
		MaxQueries:          8,
		GroupID:             consumer.GroupID,
		EntryDayZone:        processor.EntryDayZone.String(),
		InputTopic:          consumer.InputTopic,
		Topics:              processor.Topics,
		StateTTL:            store.TTL,
		MaxMessageBytes:     processor.MaxMessageBytes,
		Partitions:          consumer.Partitions,
		ReplicationFactor:   consumer.ReplicationFactor,
		MaxBatch:            consumer.MaxBatch,
		Workers:             consumer.Workers,
		ShutdownTimeout:     consumer.ShutdownTimeout,
		KeyPrefix:           store.KeyPrefix,
		ReloadInterval:      5 * time.Second,
		AddressClusterNames: processor.ClusterNames,
		KeepDecisions:       true,
	}
}

// consumeConfig is the consumer's part of the configuration, reading from
// brokers.
func (c *Config) consumeConfig(brokers []string) consume.Config {
	cfg := consume.DefaultConfig()
	cfg.Brokers = brokers
	cfg.GroupID = c.GroupID
	cfg.InputTopic = c.InputTopic
	cfg.OutputTopics = []string{c.Topics.Cleared, c.Topics.Formal, c.Topics.Alerts, c.Topics.DLQ}
	cfg.Partitions = c.Partitions
	cfg.ReplicationFactor = c.ReplicationFactor
	cfg.MaxBatch = c.MaxBatch
	cfg.Workers = c.Workers
	cfg.ShutdownTimeout = c.ShutdownTimeout
	// TLS and SASL, when loaded; nil keeps kafka-go's plaintext defaults.
	if c.kafka.Dialer != nil {
		cfg.Dialer = c.kafka.Dialer
		cfg.Transport = c.kafka.Transport
	}
	return cfg
}

// windowConfig is the day totals' part of the configuration, with its
// keys under keyPrefix.
func (c *Config) windowConfig(keyPrefix string) window.Config {
	return window.Config{KeyPrefix: keyPrefix, TTL: c.StateTTL}
}

// processConfig is the processor's part of the configuration; its zone is
// the one Validate parsed.
func (c *Config) processConfig() process.Config {
	return process.Config{
		Topics:          c.Topics,
		EntryDayZone:    c.zone,
		MaxMessageBytes: c.MaxMessageBytes,
		ClusterNames:    c.AddressClusterNames,
	}
}

// EmbeddedKafka reports whether Run starts its own broker.
func (c *Config) EmbeddedKafka() bool { return len(c.Brokers) == 0 }

// Validate checks the configuration and parses what the hot path needs
// (the time zone) once, so processing never meets a parse error. It reads
// no file: Load does, after it.
func (c *Config) Validate() error {
	var errs []error
	zone, err := time.LoadLocation(c.EntryDayZone)
	if err != nil || c.EntryDayZone == "" {
		errs = append(errs, fmt.Errorf("entry-day-tz %q: must be an IANA time zone such as America/New_York", c.EntryDayZone))
	}
	c.zone = zone
	if c.ReloadInterval < 0 {
		errs = append(errs, fmt.Errorf("reload-interval %s: must not be negative", c.ReloadInterval))
	}
	if c.EmbeddedKafka() {
		if _, _, err := net.SplitHostPort(c.EmbeddedKafkaAddr); err != nil {
			errs = append(errs, fmt.Errorf("embedded-kafka-addr %q: must be host:port", c.EmbeddedKafkaAddr))
		}
	}
	if !c.EmbeddedKafka() || c.RedisURL != "" {
		// Recipient keys leave the process: in Kafka, in Redis.
		if err := c.RequireSecret("with --brokers or --redis-url"); err != nil {
			errs = append(errs, err)
		}
	} else if c.RecipientKeySecret != "" && len(c.RecipientKeySecret) < 16 {
		errs = append(errs, fmt.Errorf("%w: must be at least 16 bytes", ErrSecretRequired))
	}
	if _, err := c.KafkaSASL.mechanism(); err != nil {
		errs = append(errs, err)
	}
	if err := c.KafkaTLS.validate("kafka-tls"); err != nil {
		errs = append(errs, err)
	}
	if c.EmbeddedKafka() && (c.KafkaTLS.On() || c.KafkaSASL.On()) {
		errs = append(errs, errors.New("kafka-tls, kafka-sasl: need --brokers (the broker run starts itself is plaintext; run `processor broker` with TLS or SASL and point --brokers at it)"))
	}
	if c.RedisURL != "" {
		if _, err := parseRedisURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("redis-url: %w", err))
		}
	} else if c.RedisTLS.On() || c.RedisUsername != "" || c.RedisPassword != "" {
		errs = append(errs, errors.New("redis-tls, redis credentials: need --redis-url"))
	}
	if err := c.RedisTLS.validate("redis-tls"); err != nil {
		errs = append(errs, err)
	}
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("http-addr %q: must be host:port", c.HTTPAddr))
		}
	}
	if c.MaxQueries < 1 {
		errs = append(errs, fmt.Errorf("http-max-queries %d: must be at least 1", c.MaxQueries))
	}
	// The components' bounds, each written once, in its Validate.
	brokers := c.Brokers
	if c.EmbeddedKafka() {
		brokers = []string{c.EmbeddedKafkaAddr}
	}
	errs = append(errs, c.consumeConfig(brokers).Validate(), c.windowConfig(c.KeyPrefix).Validate())
	processCfg := c.processConfig()
	if processCfg.EntryDayZone == nil {
		// The zone's error is reported above; check the rest.
		processCfg.EntryDayZone = time.UTC
	}
	errs = append(errs, processCfg.Validate())
	for _, name := range []string{c.InputTopic, c.Topics.Cleared, c.Topics.Formal, c.Topics.Alerts, c.Topics.DLQ} {
		if name == "" || strings.ContainsAny(name, " /\\") {
			errs = append(errs, fmt.Errorf("topic %q: must be a non-empty Kafka topic name", name))
		}
	}
	return errors.Join(errs...)
}

// Load reads and parses the files a validated configuration names: the
// regime, exchange-rate and shadow tables, the TLS files of Kafka and
// Redis, and the web configuration. Every bad file is reported, joined,
// naming its setting. It connects to nothing.
func (c *Config) Load() error {
	var errs []error
	if tabs, err := c.loadTables(); err != nil {
		errs = append(errs, err)
	} else {
		c.tables = tabs
	}
	if kafka, err := kafkaSecurity(c.KafkaTLS, c.KafkaSASL); err != nil {
		errs = append(errs, err)
	} else {
		c.kafka = kafka
	}
	if _, err := c.RedisTLS.ClientConfig("redis-tls"); err != nil {
		errs = append(errs, err)
	}
	if c.WebConfigFile != "" {
		// Reads the file, the users' hashes and the certificates.
		if err := web.Validate(c.WebConfigFile); err != nil {
			errs = append(errs, fmt.Errorf("web-config-file %s: %w", c.WebConfigFile, err))
		}
	}
	return errors.Join(errs...)
}

// ValidateAndLoad is Validate and, when the configuration is valid, Load:
// what a command does once before it starts.
func (c *Config) ValidateAndLoad() error {
	if err := c.Validate(); err != nil {
		return err
	}
	return c.Load()
}

// ErrSecretRequired says the recipient-key secret is missing or not fit for
// where the keys go; the caller tells the operator to set a real one.
var ErrSecretRequired = errors.New("recipient-key-secret")

// RequireSecret reports an error wrapping ErrSecretRequired unless a real
// recipient-key secret is set: at least 16 bytes, not the development
// one. where says why it is required ("with --brokers"), for the error.
func (c *Config) RequireSecret(where string) error {
	const how = "set RECIPIENT_KEY_SECRET or --recipient-key-secret-file to at least 16 random bytes (openssl rand -hex 32)"
	switch {
	case c.RecipientKeySecret == "":
		return fmt.Errorf("%w: required %s: %s; the development secret is public and only for the embedded broker and store", ErrSecretRequired, where, how)
	case c.RecipientKeySecret == DevRecipientKeySecret:
		return fmt.Errorf("%w: the development secret must not be used %s, since it is public: %s", ErrSecretRequired, where, how)
	case len(c.RecipientKeySecret) < 16:
		return fmt.Errorf("%w: must be at least 16 bytes: %s", ErrSecretRequired, how)
	}
	return nil
}

// secret returns the recipient-key secret in force.
func (c *Config) secret() string {
	if c.RecipientKeySecret == "" {
		return DevRecipientKeySecret
	}
	return c.RecipientKeySecret
}

// tables are the data files a processor decides with, parsed.
type tables struct {
	regimes *decide.Table
	rates   *fx.Rates // nil: USD only
	shadow  *decide.Table
}

// loadTables reads and parses the regime, exchange-rate and shadow files;
// any error refuses them all, naming the file and the entry.
func (c *Config) loadTables() (tables, error) {
	tabs := tables{regimes: decide.Builtin()}
	var errs []error
	if c.RegimesFile != "" {
		table, err := readTable(c.RegimesFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("regimes %s: %w", c.RegimesFile, err))
		}
		tabs.regimes = table
	}
	if c.ShadowRegimesFile != "" {
		table, err := readTable(c.ShadowRegimesFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("shadow-regimes %s: %w", c.ShadowRegimesFile, err))
		}
		tabs.shadow = table
	}
	if c.FXRatesFile != "" {
		data, err := os.ReadFile(c.FXRatesFile)
		if err == nil {
			tabs.rates, err = fx.Parse(data)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("fx-rates %s: %w", c.FXRatesFile, err))
		}
	}
	return tabs, errors.Join(errs...)
}

func readTable(path string) (*decide.Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decide.ParseTable(data)
}
