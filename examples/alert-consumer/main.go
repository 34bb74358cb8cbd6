// Command alert-consumer reads the processor's split-shipment alerts
// (alert.v1) from alerts.split-shipment as a consumer group, keeps the
// latest version of each alert, and prints the current alerts every
// --interval and when it stops (SIGINT or SIGTERM).
//
// It is an example to copy: the alerts live in memory, see README.md.
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
	topic    string
	interval time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("alert-consumer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated")
	fs.StringVar(&cfg.group, "group", "compliance", "consumer group")
	fs.StringVar(&cfg.topic, "topic", "alerts.split-shipment", "topic of split-shipment alerts")
	fs.DurationVar(&cfg.interval, "interval", 10*time.Second, "print the alerts this often; 0 prints them only at exit")
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
	case cfg.group == "" || cfg.topic == "":
		return cfg, errors.New("--group and --topic must not be empty")
	case cfg.interval < 0:
		return cfg, errors.New("--interval: must not be negative")
	}
	return cfg, nil
}

// run consumes until ctx ends, then prints the alerts and returns the exit
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "alert-consumer: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	board := NewBoard()
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.brokers,
		GroupID: cfg.group,
		Topic:   cfg.topic,
		// A new group reads the topic from the beginning.
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
					printAlerts(stdout, board, log)
				}
			}
		})
	}
	err = consume(ctx, reader, board, log)
	// Stop the printer before the last table so the two never interleave;
	// Close commits what was read and leaves the group.
	cancel()
	printer.Wait()
	err = errors.Join(err, reader.Close())
	printAlerts(stdout, board, log)
	if err != nil {
		log.Error("alert-consumer stopped", "error", err)
		return 1
	}
	return 0
}

// consume puts every alert read on board until ctx ends. A message that
// is not an alert.v1 is logged and skipped.
func consume(ctx context.Context, reader *kafka.Reader, board *Board, log *slog.Logger) error {
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetch: %w", err)
		}
		a, err := Decode(m.Value)
		switch {
		case err != nil:
			log.Warn("skipping a message", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "error", err)
		case !board.Update(a):
			log.Debug("ignored an old version", "alert_id", a.AlertID, "version", a.Version)
		}
		// With a CommitInterval this only queues the offset.
		if err := reader.CommitMessages(ctx, m); err != nil && ctx.Err() == nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
}

func printAlerts(w io.Writer, board *Board, log *slog.Logger) {
	if err := WriteAlerts(w, board.Current()); err != nil {
		log.Error("print alerts", "error", err)
	}
}
