// Command processor decides, parcel by parcel, whether an import into the
// United States may enter under de minimis (19 U.S.C. 1321) or needs a
// customs entry, and flags split shipments.
//
//	processor run [flags]      consume manifests, publish decisions
//	processor broker [flags]   run the embedded Kafka-protocol broker alone
//	processor config check     show and validate the resolved configuration
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
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // entry dates need the zone database even in a minimal container

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/broker"
	"github.com/s321/s321/internal/config"
	"github.com/s321/s321/internal/demo"
	"github.com/s321/s321/internal/termsafe"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: processor <command> [flags]

commands:
  run       consume manifests from Kafka and publish decisions, alerts and rejects
  broker    run the embedded Kafka-protocol broker alone (--addr, --data-dir, --tls-cert, --sasl-user)
  config    check [flags]: show the resolved configuration, secrets masked, and validate it
  demo      start on the embedded defaults, send a built-in sample, print a summary
  replay    decide a file of manifest.v1 lines without Kafka (--input, --out)
  explain   ask a running processor why a parcel got its decision
  generate  write seeded manifest.v1 traffic to stdout (JSONL) or a topic (--count or --rate/--duration)
  dlq       export rejected messages to a file to repair, and resend them to the input topic

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
	case "config":
		err = runConfig(ctx, args[1:], stdout, stderr)
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
	case "dlq":
		err = runDLQ(ctx, args[1:], stdout, stderr)
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
		// Errors quote the input (a file's line, a server's answer).
		fmt.Fprintf(stderr, "processor %s: %s\n", termsafe.Line(args[0]), termsafe.Text(err.Error()))
		return 1
	}
}

// describe makes a command's -h start with what it does (what, a sentence),
// then its usage line and its flags.
func describe(fs *flag.FlagSet, what, usageLine string) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: %s\n\n", what, usageLine)
		fs.PrintDefaults()
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

func runProcessor(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor run consumes manifest.v1 messages from Kafka, decides each parcel, and publishes decisions,\nsplit-shipment alerts and rejects, until SIGINT or SIGTERM; SIGHUP reloads the table files.", "processor run [flags]")
	loader := config.Bind(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	settings, err := loader.Resolve(os.LookupEnv)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, settings.LogLevel)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	container := containerMemory()
	limit := applyMemoryLimit(settings.MemoryLimitBytes(container), container, os.LookupEnv, log)
	// After the limit, which bounds what is advised.
	if settings.AdvisesHeap() {
		logAdvice(log, adviseHeap())
	}
	a, err := app.New(settings.App, log)
	if err != nil {
		return err
	}
	// SIGHUP reloads the table files. The signal is main's; the app only
	// offers Reload, so tests reload without signals.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ctx, cancel := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	watchers.Go(func() { forwardReloads(ctx, hup, a.Reload) })
	watchers.Go(func() { watchHeap(ctx, limit, log) })
	err = a.Run(ctx)
	cancel()
	watchers.Wait()
	if err != nil {
		log.Error("processor failed", zap.Error(err))
		return err
	}
	return nil
}

// forwardReloads calls reload for every signal on hup until ctx ends.
func forwardReloads(ctx context.Context, hup <-chan os.Signal, reload func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			reload()
		}
	}
}

// defaultBrokerMaxProcs is broker's --max-procs. kfake serves every
// request on one goroutine of its cluster, so more threads only add the
// hand-offs between them, dear on a virtual machine (docs/performance.md,
// Latency).
const defaultBrokerMaxProcs = 1

func runBroker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := broker.Config{Addr: "127.0.0.1:9092"}
	fs := flag.NewFlagSet("processor broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor broker runs the embedded Kafka-protocol broker alone, for several processors to share\nor to keep topics across restarts, until SIGINT or SIGTERM.", "processor broker [flags]")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "host:port to listen on and advertise")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "keep topics and committed offsets here across restarts; empty keeps them in memory")
	maxProcs := fs.Int("max-procs", defaultBrokerMaxProcs, "threads running Go code at once (GOMAXPROCS, when set, wins); 0 is one a core")
	hugePages := fs.Bool("huge-pages", false, "back the heap, which holds the topics kept in memory, with transparent huge pages where Linux allows it (madvise), for fewer page faults as it grows")
	var security brokerSecurity
	security.bind(fs)
	loader := config.BindCommand(fs, config.Command{})
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := loader.Resolve(os.LookupEnv); err != nil {
		return err
	}
	if *maxProcs < 0 {
		fmt.Fprintf(stderr, "processor broker: --max-procs %d: must be 0 (one a core) or more\n", *maxProcs)
		return errUsage
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set && *maxProcs > 0 {
		runtime.GOMAXPROCS(*maxProcs)
	}
	if err := security.apply(&cfg, os.LookupEnv); err != nil {
		return err
	}
	if *hugePages {
		adviseHeap()
	}
	if warning := cfg.Exposure(); warning != "" {
		fmt.Fprintf(stderr, "WARNING: %s\n", warning)
	}
	b, err := broker.Start(cfg)
	if err != nil {
		return err
	}
	where := "in memory"
	if cfg.DataDir != "" {
		where = "in " + cfg.DataDir
	}
	fmt.Fprintf(stdout, "broker listening on %s (%s), topics kept %s; Ctrl-C stops it\n", b.Addr(), security.describe(cfg), where)
	<-ctx.Done()
	b.Close()
	fmt.Fprintln(stdout, "broker stopped")
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor demo starts the processor on its embedded defaults, sends a seeded sample of manifests\nthrough the broker, reads the output topics back and prints a summary.", "processor demo [--timeout D] [--huge-pages]")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	hugePages := fs.Bool("huge-pages", false, "back the heap with transparent huge pages where Linux allows it (madvise): the embedded store and broker grow as the demo runs")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if *hugePages {
		adviseHeap()
	}
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

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
