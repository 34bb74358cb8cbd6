// Command processor decides, parcel by parcel, whether an import into the
// United States may enter under de minimis (19 U.S.C. 1321) or needs a
// customs entry, and flags split shipments.
//
//	processor run [flags]      consume manifests, publish decisions
//	processor broker [flags]   run the embedded Kafka-protocol broker alone
//	processor demo             run a built-in sample end to end and summarize
//
// See README.md and docs/events.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // entry dates need the zone database even in a minimal container

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/broker"
	"github.com/s321/s321/internal/demo"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: processor <command> [flags]

commands:
  run      consume manifests from Kafka and publish decisions, alerts and rejects
  broker   run the embedded Kafka-protocol broker alone (--addr, --data-dir)
  demo     start on the embedded defaults, send a built-in sample, print a summary
  replay   decide a file of manifest.v1 lines without Kafka (--input, --out)
  explain  ask a running processor why a parcel got its decision
  generate write seeded manifest.v1 traffic to stdout (JSONL) or a topic (--count or --rate/--duration)

"processor <command> -h" lists a command's flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch args[0] {
	case "run":
		err = runProcessor(ctx, args[1:], stderr)
	case "broker":
		err = runBroker(ctx, args[1:], stdout, stderr)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "replay":
		err = runReplay(ctx, args[1:], stdout, stderr)
	case "explain":
		err = runExplain(ctx, args[1:], stdout, stderr)
	case "generate":
		err = runGenerate(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "processor: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "processor %s: %v\n", args[0], err)
		return 1
	}
}

// errUsage marks a command line the flag package has already explained.
var errUsage = errors.New("usage")

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}

// runFlags binds the flags of `processor run` to cfg; environment variables
// give the defaults the contract names.
func runFlags(fs *flag.FlagSet, cfg *app.Config, logLevel *string) {
	cfg.Brokers = splitList(os.Getenv("KAFKA_BROKERS"))
	fs.Var(listValue{&cfg.Brokers}, "brokers", "Kafka bootstrap servers, comma-separated; empty starts an embedded broker (env KAFKA_BROKERS)")
	fs.StringVar(&cfg.EmbeddedKafkaAddr, "embedded-kafka-addr", cfg.EmbeddedKafkaAddr, "where the embedded broker listens")
	fs.StringVar(&cfg.RedisURL, "redis-url", envOr("REDIS_URL", cfg.RedisURL), "redis://host:port/db; empty uses an embedded in-memory store (env REDIS_URL)")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "serves /healthz, /readyz and /metrics; empty disables")
	fs.StringVar(&cfg.GroupID, "group-id", cfg.GroupID, "Kafka consumer group")
	fs.StringVar(&cfg.EntryDayZone, "entry-day-tz", cfg.EntryDayZone, "IANA time zone of entry_date")
	fs.StringVar(&cfg.InputTopic, "input-topic", cfg.InputTopic, "topic of manifest.v1 messages")
	fs.StringVar(&cfg.Topics.Cleared, "cleared-topic", cfg.Topics.Cleared, "topic of cleared decisions")
	fs.StringVar(&cfg.Topics.Formal, "formal-topic", cfg.Topics.Formal, "topic of formal-entry-required decisions")
	fs.StringVar(&cfg.Topics.Alerts, "alerts-topic", cfg.Topics.Alerts, "topic of split-shipment alerts")
	fs.StringVar(&cfg.Topics.DLQ, "dlq-topic", cfg.Topics.DLQ, "topic of rejected messages")
	fs.StringVar(&cfg.RegimesFile, "regimes", cfg.RegimesFile, "JSON regime table replacing the built-in one (docs/regimes.md)")
	fs.StringVar(&cfg.FXRatesFile, "fx-rates", cfg.FXRatesFile, "CSV of exchange rates (currency,valid_from,usd_per_unit); empty accepts USD only")
	fs.StringVar(&cfg.ShadowRegimesFile, "shadow-regimes", cfg.ShadowRegimesFile, "second regime table every parcel is also evaluated against (what-if)")
	fs.DurationVar(&cfg.ReloadInterval, "reload-interval", cfg.ReloadInterval, "how often the table files are checked for changes (SIGHUP reloads at once); 0 disables")
	fs.StringVar(&cfg.RecipientKeySecret, "recipient-key-secret", os.Getenv("RECIPIENT_KEY_SECRET"),
		"secret of the recipient-key HMAC; prefer env RECIPIENT_KEY_SECRET, since flags show in ps")
	fs.DurationVar(&cfg.StateTTL, "state-ttl", cfg.StateTTL, "how long a recipient's day is kept after its last update")
	fs.IntVar(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "larger messages go to the DLQ")
	fs.IntVar(&cfg.Partitions, "partitions", cfg.Partitions, "partitions of topics created at start-up")
	fs.IntVar(&cfg.ReplicationFactor, "replication-factor", cfg.ReplicationFactor, "replication factor of topics created at start-up")
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "most messages of one partition decided at once")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long in-flight work may take after SIGINT or SIGTERM")
	fs.StringVar(&cfg.KeyPrefix, "key-prefix", cfg.KeyPrefix, "prefix of every Redis key")
	fs.IntVar(&cfg.AddressClusterNames, "address-cluster-names", cfg.AddressClusterNames,
		"distinct recipient names at one address on one day that, above the threshold together, raise an address_cluster alert; 0 turns them off")
	fs.StringVar(logLevel, "log-level", *logLevel, "debug, info, warn or error")
}

// listValue is a comma-separated list flag.
type listValue struct{ list *[]string }

func (v listValue) String() string {
	if v.list == nil {
		return ""
	}
	return strings.Join(*v.list, ",")
}

func (v listValue) Set(s string) error {
	*v.list = splitList(s)
	return nil
}

func runProcessor(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := app.DefaultConfig()
	level := "info"
	fs := flag.NewFlagSet("processor run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runFlags(fs, &cfg, &level)
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, level)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if err := app.Run(ctx, cfg, log); err != nil {
		log.Error("processor failed", zap.Error(err))
		return err
	}
	return nil
}

func runBroker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := broker.Config{Addr: "127.0.0.1:9092"}
	fs := flag.NewFlagSet("processor broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "host:port to listen on and advertise")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "keep topics and committed offsets here across restarts; empty keeps them in memory")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := broker.Start(cfg)
	if err != nil {
		return err
	}
	where := "in memory"
	if cfg.DataDir != "" {
		where = "in " + cfg.DataDir
	}
	fmt.Fprintf(stdout, "broker listening on %s, topics kept %s; Ctrl-C stops it\n", b.Addr(), where)
	<-ctx.Done()
	b.Close()
	fmt.Fprintln(stdout, "broker stopped")
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	return demo.Run(ctx, stdout, log)
}

func newLogger(w io.Writer, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log-level %q: %w", level, err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(w), lvl)
	return zap.New(core), nil
}

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
