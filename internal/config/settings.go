package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/s321/s321/internal/app"
)

// kind is how a setting's text is parsed.
type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindDuration
	kindList
)

// setting is one configurable value: its name (flag, YAML key, and the
// environment variable derived from it), how it is parsed into Settings,
// and how it is shown.
type setting struct {
	name  string
	usage string
	kind  kind
	// aliases are environment variables read after EnvName(name).
	aliases []string
	// secret values are masked when shown and refused in the file.
	secret bool
	// secretFile names the setting holding the path of a file to read this
	// secret from.
	secretFile string
	// noFlag: the environment only (secrets that must not show in ps).
	noFlag bool
	// noFile: not accepted in the YAML file.
	noFile bool
	// show, when set, is how the value is displayed (redaction).
	show func(string) string
	set  func(*Settings, string) error
	get  func(*Settings) string
}

func (st *setting) envNames() []string {
	return append([]string{EnvName(st.name)}, st.aliases...)
}

// argName names the flag's argument in -h.
func (st *setting) argName() string {
	switch {
	case st.kind == kindBool:
		return ""
	case strings.HasSuffix(st.name, "-file") || st.name == "regimes" || st.name == "fx-rates" || st.name == "shadow-regimes":
		return "file"
	case strings.HasSuffix(st.name, "-addr"):
		return "host:port"
	case st.name == "memory-limit":
		return "size"
	}
	return [...]string{kindString: "string", kindInt: "int", kindDuration: "duration", kindList: "list"}[st.kind]
}

func str(name, usage string, field func(*Settings) *string) *setting {
	return &setting{name: name, usage: usage, kind: kindString,
		set: func(s *Settings, text string) error { *field(s) = text; return nil },
		get: func(s *Settings) string { return *field(s) }}
}

func boolean(name, usage string, field func(*Settings) *bool) *setting {
	return &setting{name: name, usage: usage, kind: kindBool,
		set: func(s *Settings, text string) error {
			b, err := parseBool(text)
			*field(s) = b
			return err
		},
		get: func(s *Settings) string { return strconv.FormatBool(*field(s)) }}
}

func integer(name, usage string, field func(*Settings) *int) *setting {
	return &setting{name: name, usage: usage, kind: kindInt,
		set: func(s *Settings, text string) error {
			n, err := parseInt(text)
			if err == nil {
				*field(s) = n
			}
			return err
		},
		get: func(s *Settings) string { return strconv.Itoa(*field(s)) }}
}

func duration(name, usage string, field func(*Settings) *time.Duration) *setting {
	return &setting{name: name, usage: usage, kind: kindDuration,
		set: func(s *Settings, text string) error {
			d, err := parseDuration(text)
			if err == nil {
				*field(s) = d
			}
			return err
		},
		get: func(s *Settings) string { return field(s).String() }}
}

func list(name, usage string, field func(*Settings) *[]string) *setting {
	return &setting{name: name, usage: usage, kind: kindList,
		set: func(s *Settings, text string) error { *field(s) = splitList(text); return nil },
		get: func(s *Settings) string { return strings.Join(*field(s), ",") }}
}

// with sets the optional fields of a setting.
func (st *setting) with(change func(*setting)) *setting {
	change(st)
	return st
}

// table lists every setting of `processor run`, in the order `config
// check` shows them.
var table = []*setting{
	list("brokers", "Kafka bootstrap servers, comma-separated; empty starts an embedded broker",
		func(s *Settings) *[]string { return &s.App.Brokers }).
		with(func(st *setting) { st.aliases = []string{"KAFKA_BROKERS"} }),
	str("embedded-kafka-addr", "where the embedded broker listens",
		func(s *Settings) *string { return &s.App.EmbeddedKafkaAddr }),
	boolean("kafka-tls", "connect to the brokers with TLS (system roots unless --kafka-tls-ca-file)",
		func(s *Settings) *bool { return &s.App.KafkaTLS.Enabled }),
	str("kafka-tls-ca-file", "PEM file of the CAs the brokers' certificates chain to; implies --kafka-tls",
		func(s *Settings) *string { return &s.App.KafkaTLS.CAFile }),
	str("kafka-tls-cert-file", "PEM client certificate for the brokers; implies --kafka-tls",
		func(s *Settings) *string { return &s.App.KafkaTLS.CertFile }),
	str("kafka-tls-key-file", "PEM private key of --kafka-tls-cert-file",
		func(s *Settings) *string { return &s.App.KafkaTLS.KeyFile }),
	str("kafka-sasl-mechanism", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty: no SASL",
		func(s *Settings) *string { return &s.App.KafkaSASL.Mechanism }),
	str("kafka-sasl-username", "SASL user name",
		func(s *Settings) *string { return &s.App.KafkaSASL.Username }),
	str("kafka-sasl-password", "SASL password (environment only)",
		func(s *Settings) *string { return &s.App.KafkaSASL.Password }).
		with(func(st *setting) {
			st.secret, st.noFlag, st.secretFile = true, true, "kafka-sasl-password-file"
			st.aliases = []string{"KAFKA_SASL_PASSWORD"}
		}),
	str("kafka-sasl-password-file", "file holding the SASL password",
		func(s *Settings) *string { return &s.passwordFiles.kafka }),
	str("redis-url", "redis://[user:password@]host:port/db, rediss:// for TLS, redis+cluster://h1:p1,h2:p2/ for a Redis Cluster; empty uses an embedded in-memory store",
		func(s *Settings) *string { return &s.App.RedisURL }).
		with(func(st *setting) { st.aliases, st.show = []string{"REDIS_URL"}, app.RedactRedisURL }),
	str("redis-username", "Redis ACL user; replaces the URL's",
		func(s *Settings) *string { return &s.App.RedisUsername }),
	str("redis-password", "Redis password (environment only); replaces the URL's",
		func(s *Settings) *string { return &s.App.RedisPassword }).
		with(func(st *setting) {
			st.secret, st.noFlag, st.secretFile = true, true, "redis-password-file"
			st.aliases = []string{"REDIS_PASSWORD"}
		}),
	str("redis-password-file", "file holding the Redis password",
		func(s *Settings) *string { return &s.passwordFiles.redis }),
	str("redis-tls-ca-file", "PEM file of the CAs Redis's certificate chains to; turns TLS on",
		func(s *Settings) *string { return &s.App.RedisTLS.CAFile }),
	str("redis-tls-cert-file", "PEM client certificate for Redis; turns TLS on",
		func(s *Settings) *string { return &s.App.RedisTLS.CertFile }),
	str("redis-tls-key-file", "PEM private key of --redis-tls-cert-file",
		func(s *Settings) *string { return &s.App.RedisTLS.KeyFile }),
	str("http-addr", "serves the status page, /healthz, /readyz and /metrics; empty disables",
		func(s *Settings) *string { return &s.App.HTTPAddr }),
	str("web-config-file", "exporter-toolkit web configuration (tls_server_config, basic_auth_users with bcrypt hashes) for every endpoint of --http-addr; empty serves plain HTTP without authentication",
		func(s *Settings) *string { return &s.App.WebConfigFile }),
	integer("http-max-queries", "most /v1 requests served at once; more are answered 503",
		func(s *Settings) *int { return &s.App.MaxQueries }),
	boolean("pprof", "also serve the Go runtime profiles (net/http/pprof) under /debug/pprof/ on --http-addr",
		func(s *Settings) *bool { return &s.App.Pprof }),
	str("group-id", "Kafka consumer group",
		func(s *Settings) *string { return &s.App.GroupID }),
	str("entry-day-tz", "IANA time zone of entry_date",
		func(s *Settings) *string { return &s.App.EntryDayZone }),
	str("input-topic", "topic of manifest.v1 messages",
		func(s *Settings) *string { return &s.App.InputTopic }),
	str("cleared-topic", "topic of cleared decisions",
		func(s *Settings) *string { return &s.App.Topics.Cleared }),
	str("formal-topic", "topic of formal-entry-required decisions",
		func(s *Settings) *string { return &s.App.Topics.Formal }),
	str("alerts-topic", "topic of split-shipment alerts",
		func(s *Settings) *string { return &s.App.Topics.Alerts }),
	str("dlq-topic", "topic of rejected messages",
		func(s *Settings) *string { return &s.App.Topics.DLQ }),
	str("regimes", "JSON regime table replacing the built-in one (docs/regimes.md)",
		func(s *Settings) *string { return &s.App.RegimesFile }),
	str("fx-rates", "CSV of exchange rates (currency,valid_from,usd_per_unit); empty accepts USD only",
		func(s *Settings) *string { return &s.App.FXRatesFile }),
	str("shadow-regimes", "second regime table every parcel is also evaluated against (what-if)",
		func(s *Settings) *string { return &s.App.ShadowRegimesFile }),
	duration("reload-interval", "how often the table files are checked for changes (SIGHUP reloads at once); 0 disables",
		func(s *Settings) *time.Duration { return &s.App.ReloadInterval }),
	str("recipient-key-secret", "secret of the recipient-key HMAC (environment only: flags show in ps)",
		func(s *Settings) *string { return &s.App.RecipientKeySecret }).
		with(func(st *setting) {
			st.secret, st.noFlag, st.secretFile = true, true, "recipient-key-secret-file"
			st.aliases = []string{"RECIPIENT_KEY_SECRET"}
		}),
	str("recipient-key-secret-file", "file holding the recipient-key secret (or env RECIPIENT_KEY_SECRET); required with --brokers or --redis-url",
		func(s *Settings) *string { return &s.passwordFiles.recipientKey }),
	duration("state-ttl", "how long a recipient's day is kept after its last update",
		func(s *Settings) *time.Duration { return &s.App.StateTTL }),
	integer("max-message-bytes", "larger messages go to the DLQ",
		func(s *Settings) *int { return &s.App.MaxMessageBytes }),
	integer("partitions", "partitions of topics created at start-up",
		func(s *Settings) *int { return &s.App.Partitions }),
	integer("replication-factor", "replication factor of topics created at start-up",
		func(s *Settings) *int { return &s.App.ReplicationFactor }),
	integer("max-batch", "most messages decided at once",
		func(s *Settings) *int { return &s.App.MaxBatch }),
	integer("workers", "most batches decided at once; the assigned partitions are shared among them, each taking what its partitions have fetched into one batch",
		func(s *Settings) *int { return &s.App.Workers }),
	duration("shutdown-timeout", "how long in-flight work may take after SIGINT or SIGTERM",
		func(s *Settings) *time.Duration { return &s.App.ShutdownTimeout }),
	str("key-prefix", "prefix of every Redis key",
		func(s *Settings) *string { return &s.App.KeyPrefix }),
	integer("address-cluster-names", "distinct recipient names at one address on one day that, above the threshold together, raise an address_cluster alert; 0 turns them off",
		func(s *Settings) *int { return &s.App.AddressClusterNames }),
	boolean("keep-decisions", "keep each decision and alert in Redis for explain, /v1/parcels and /v1/alerts; false spares Redis about a fifth of its CPU and a third of its memory",
		func(s *Settings) *bool { return &s.App.KeepDecisions }),
	str("log-level", "debug, info, warn or error",
		func(s *Settings) *string { return &s.LogLevel }),
	boolean("huge-pages", "back the heap with transparent huge pages where Linux allows it (madvise) when the store or the broker is embedded, whose heaps grow as they run; a processor on Redis and Kafka keeps small pages",
		func(s *Settings) *bool { return &s.HugePages }),
	{name: "memory-limit", kind: kindString,
		usage: "memory the Go runtime may take before the garbage collector runs, such as 512MiB: the process then holds about that much, however long the stream. auto is 512MiB with --redis-url (three quarters of a container's memory limit when that is less) and none on the embedded store, whose state grows with the days it holds; 0 is none, collecting as Go does by default (GOGC and GOMEMLIMIT, when set, win)",
		set: func(s *Settings, text string) error {
			if _, _, err := parseMemoryLimit(text); err != nil {
				return err
			}
			s.MemoryLimit = text
			return nil
		},
		get: func(s *Settings) string { return s.MemoryLimit }},
}

func byName(name string) *setting {
	for _, st := range table {
		if st.name == name {
			return st
		}
	}
	return nil
}

// masked is how a secret that is set is shown.
const masked = "********"

// Show writes the settings as YAML, one line each with where its value
// came from, secrets masked and the Redis URL's password replaced: the
// output of `processor config check`. Without the secrets, it is a
// configuration file that gives the same settings.
func (s *Settings) Show(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "# s321 processor configuration (precedence: flag > env > file > default)\n")
	for _, st := range table {
		value := st.get(s)
		switch {
		case st.secret && value != "":
			value = masked
		case st.show != nil:
			value = st.show(value)
		}
		text := strconv.Quote(value)
		if st.kind == kindBool || st.kind == kindInt {
			text = value
		}
		prefix := ""
		if st.secret {
			// Secrets are not file settings: the line is a comment.
			prefix = "# "
		}
		fmt.Fprintf(tw, "%s%s: %s\t# %s\n", prefix, st.name, text, s.Origin(st.name))
	}
	return tw.Flush()
}
