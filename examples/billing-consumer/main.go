// Command billing-consumer reads the processor's decisions (decision.v1)
// from parcels.cleared and parcels.formal-entry-required as a consumer
// group, drops redelivered decisions by decision_id, and keeps totals of
// entries by entry type and carrier: parcels and declared value, exact. It
// prints them every --interval and when it stops (SIGINT or SIGTERM).
//
// It is an example to copy: the totals live in memory, see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is the command line.
type config struct {
	brokers  []string
	group    string
	topics   []string
	interval time.Duration
	remember int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("billing-consumer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated")
	fs.StringVar(&cfg.group, "group", "billing", "consumer group")
	cleared := fs.String("cleared-topic", "parcels.cleared", "topic of cleared decisions")
	formal := fs.String("formal-topic", "parcels.formal-entry-required", "topic of formal-entry-required decisions")
	fs.DurationVar(&cfg.interval, "interval", 10*time.Second, "print the totals this often; 0 prints them only at exit")
	fs.IntVar(&cfg.remember, "remember", 1_000_000, "decision ids remembered to drop redeliveries (about 140 bytes each)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	for _, b := range strings.Split(*brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			cfg.brokers = append(cfg.brokers, b)
		}
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case len(cfg.brokers) == 0:
		return cfg, errors.New("--brokers: must name at least one broker")
	case cfg.group == "" || *cleared == "" || *formal == "":
		return cfg, errors.New("--group, --cleared-topic and --formal-topic must not be empty")
	case cfg.interval < 0:
		return cfg, errors.New("--interval: must not be negative")
	case cfg.remember < 1:
		return cfg, errors.New("--remember: must be at least 1")
	}
	cfg.topics = []string{*cleared, *formal}
	return cfg, nil
}

// run consumes until ctx ends, then prints the totals and returns the exit
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "billing-consumer: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ledger := NewLedger(cfg.remember)
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     cfg.brokers,
		GroupID:     cfg.group,
		GroupTopics: cfg.topics,
		// A new group reads the topics from the beginning.
		StartOffset: kafka.FirstOffset,
		// Offsets are committed in the background every second, and once
		// more by Close.
		CommitInterval: time.Second,
		// Close waits for a pending fetch: bound how long one waits for
		// new messages (default 10s).
		MaxWait: time.Second,
	})

	ctx, cancel := context.WithCancel(ctx)
	var printer sync.WaitGroup
	if cfg.interval > 0 {
		printer.Go(func() {
			ticker := time.NewTicker(cfg.interval)
			defer ticker.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
					printTotals(stdout, ledger, log)
				}
			}
		})
	}
	err = consume(ctx, reader, ledger, log)
	// Stop the printer before the last table so the two never interleave;
	// Close commits what was read and leaves the group.
	cancel()
	printer.Wait()
	err = errors.Join(err, reader.Close())
	printTotals(stdout, ledger, log)
	if err != nil {
		log.Error("billing-consumer stopped", "error", err)
		return 1
	}
	return 0
}

// consume adds every decision read to ledger until ctx ends. A message
// that is not a decision.v1 is logged and skipped, so one bad message does
// not stop billing.
func consume(ctx context.Context, reader *kafka.Reader, ledger *Ledger, log *slog.Logger) error {
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetch: %w", err)
		}
		d, err := Decode(m.Value)
		switch {
		case err != nil:
			log.Warn("skipping a message", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "error", err)
		case !ledger.Add(d):
			log.Debug("dropped a redelivered decision", "decision_id", d.DecisionID)
		}
		// With a CommitInterval this only queues the offset.
		if err := reader.CommitMessages(ctx, m); err != nil && ctx.Err() == nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
}

func printTotals(w io.Writer, ledger *Ledger, log *slog.Logger) {
	if err := WriteTable(w, ledger.Totals(), ledger.Dropped()); err != nil {
		log.Error("print totals", "error", err)
	}
}
