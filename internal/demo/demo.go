// Package demo runs the processor end to end on the embedded defaults: it
// starts the embedded broker and store, sends a built-in, seeded sample of
// manifests through the broker like a carrier would, reads the output
// topics like downstream consumers would, and prints what came out.
//
// It owns nothing the processor needs; it is a user of the processor, over
// the Kafka protocol only.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
)

// Config configures a demo run.
type Config struct {
	// Messages is how many manifests are sent. Default 20000.
	Messages int
	// Seed makes the sample repeatable. Default 321.
	Seed uint64
	// Progress is how often the progress line is updated (in place on a
	// terminal, a new line elsewhere). Default 250ms.
	Progress time.Duration
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Messages: 20000, Seed: 321, Progress: 250 * time.Millisecond}
}

// Summary is what the demo saw on the output topics.
type Summary struct {
	Sent       int
	Decisions  map[string]int // by decision
	Reasons    map[string]int // by reason code
	Regimes    map[string]int // by regime id
	Redelivers int            // decisions seen more than once (same decision_id)
	Alerts     map[string]event.Alert
	Versions   int // alert versions published
	Rejected   int
	Errors     map[string]int // DLQ errors, by rule
	Elapsed    time.Duration
	Sample     map[string]json.RawMessage // one message of each kind, for show
}

// Run runs the demo and prints its progress and summary to out.
func Run(ctx context.Context, out io.Writer, log *zap.Logger) error {
	_, err := RunConfig(ctx, DefaultConfig(), out, log)
	return err
}

// RunConfig runs the demo with cfg and returns its summary.
func RunConfig(ctx context.Context, cfg Config, out io.Writer, log *zap.Logger) (*Summary, error) {
	appCfg := app.DefaultConfig()
	appCfg.EmbeddedKafkaAddr = "127.0.0.1:0"
	appCfg.HTTPAddr = "127.0.0.1:0"
	appCfg.Partitions = 4
	appCfg.ShutdownTimeout = 10 * time.Second
	processor, err := app.New(appCfg, log)
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- processor.Run(runCtx) }()
	// Whatever happens below, stop the processor and wait for it.
	defer func() {
		stop()
		<-runErr
	}()

	select {
	case <-processor.Started():
	case err := <-runErr:
		runErr <- err
		return nil, fmt.Errorf("processor did not start: %w", err)
	}
	brokers := processor.Brokers()
	fmt.Fprintf(out, "s321 demo: processor on the embedded broker %s and an embedded in-memory store\n", brokers[0])
	if err := waitReady(ctx, processor); err != nil {
		return nil, err
	}

	start := time.Now()
	genCfg := generate.DefaultConfig()
	genCfg.Seed = cfg.Seed
	genCfg.Recipients = max(cfg.Messages/4, 10)
	genCfg.SplitShare = 0.08
	genCfg.BadShare = 0.01
	genCfg.DuplicateShare = 0.01
	gen, err := generate.New(genCfg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "sending %d manifests (seed %d, arrivals %s to %s, across the 29 August 2025 suspension) to topic %q\n",
		cfg.Messages, cfg.Seed, genCfg.From.Format(time.DateOnly), genCfg.To.Format(time.DateOnly), appCfg.InputTopic)
	// The carrier sends while the consumers read: the progress line shows
	// the processor keeping up.
	var sent atomic.Int64
	sendErr := make(chan error, 1)
	go func() { sendErr <- send(ctx, brokers, appCfg.InputTopic, gen, cfg.Messages, &sent) }()
	sum, err := collect(ctx, brokers, appCfg, cfg, out, &sent)
	if serr := <-sendErr; serr != nil {
		return nil, serr
	}
	if err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	printSummary(out, sum, appCfg)
	return sum, nil
}

func waitReady(ctx context.Context, processor *app.App) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !processor.Ready(ctx) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("processor did not become ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

func send(ctx context.Context, brokers []string, topic string, gen *generate.Generator, n int, sent *atomic.Int64) error {
	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    500,
	}
	defer w.Close()
	const chunk = 500
	for from := 0; from < n; from += chunk {
		msgs := make([]kafka.Message, 0, chunk)
		for i := from; i < n && i < from+chunk; i++ {
			m := gen.Next()
			msgs = append(msgs, kafka.Message{Key: m.Key, Value: m.Value})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("send manifests: %w", err)
		}
		sent.Add(int64(len(msgs)))
	}
	return nil
}

// collect reads the four output topics until every sent message has its
// decision or its rejection.
func collect(ctx context.Context, brokers []string, appCfg app.Config, cfg Config, out io.Writer, sent *atomic.Int64) (*Summary, error) {
	t := appCfg.Topics
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     brokers,
		GroupID:     "s321-demo-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		GroupTopics: []string{t.Cleared, t.Formal, t.Alerts, t.DLQ},
		StartOffset: kafka.FirstOffset,
		MaxWait:     100 * time.Millisecond,
	})
	defer r.Close()

	sum := &Summary{
		Sent: cfg.Messages, Decisions: map[string]int{}, Reasons: map[string]int{}, Regimes: map[string]int{},
		Alerts: map[string]event.Alert{}, Errors: map[string]int{}, Sample: map[string]json.RawMessage{},
	}
	seen := map[string]bool{}
	done := 0
	start, lastProgress := time.Now(), time.Now()
	terminal := isTerminal(out)
	for done < cfg.Messages {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read outputs (%d of %d seen): %w", done, cfg.Messages, err)
		}
		switch m.Topic {
		case t.Cleared, t.Formal:
			var d event.Decision
			if err := json.Unmarshal(m.Value, &d); err != nil {
				return nil, fmt.Errorf("decode decision: %w", err)
			}
			done++
			if seen[d.DecisionID] {
				sum.Redelivers++
			}
			seen[d.DecisionID] = true
			sum.Decisions[d.Decision]++
			sum.Regimes[d.Regime]++
			for _, reason := range d.Reasons {
				sum.Reasons[reason]++
			}
			sample(sum, d.Decision, m.Value)
		case t.Alerts:
			var a event.Alert
			if err := json.Unmarshal(m.Value, &a); err != nil {
				return nil, fmt.Errorf("decode alert: %w", err)
			}
			sum.Versions++
			if a.Version > sum.Alerts[a.AlertID].Version {
				sum.Alerts[a.AlertID] = a
			}
			sample(sum, "alert", m.Value)
		case t.DLQ:
			var rej event.Rejected
			if err := json.Unmarshal(m.Value, &rej); err != nil {
				return nil, fmt.Errorf("decode rejection: %w", err)
			}
			done++
			sum.Rejected++
			sum.Errors[errorRule(rej.Error)]++
		}
		interval := cfg.Progress
		if !terminal {
			interval = max(interval, time.Second)
		}
		if cfg.Progress > 0 && (time.Since(lastProgress) >= interval || done == cfg.Messages) {
			line := fmt.Sprintf("  sent %d, answered %d (%.0f/s): %d cleared, %d formal entry, %d rejected, %d alert versions",
				sent.Load(), done, float64(done)/time.Since(start).Seconds(),
				sum.Decisions["cleared"], sum.Decisions["formal_entry_required"], sum.Rejected, sum.Versions)
			if terminal {
				fmt.Fprintf(out, "\r\033[K%s", line)
				if done == cfg.Messages {
					fmt.Fprintln(out)
				}
			} else {
				fmt.Fprintln(out, line)
			}
			lastProgress = time.Now()
		}
	}
	return sum, nil
}

// isTerminal reports whether w is a terminal, where the progress line is
// redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func sample(sum *Summary, kind string, value []byte) {
	if _, ok := sum.Sample[kind]; !ok {
		sum.Sample[kind] = append(json.RawMessage(nil), value...)
	}
}

// datePattern matches the dates some DLQ errors name.
var datePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// errorRule keeps the rule of a DLQ error and drops the item index and any
// date, so errors group: "items[3].value: must not be negative" counts as
// "items[].value: must not be negative".
func errorRule(msg string) string {
	msg = datePattern.ReplaceAllString(msg, "<date>")
	var b strings.Builder
	skip := false
	for _, r := range msg {
		switch {
		case r == '[':
			skip = true
			b.WriteRune(r)
		case r == ']':
			skip = false
			b.WriteRune(r)
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func printSummary(out io.Writer, sum *Summary, appCfg app.Config) {
	fmt.Fprintf(out, "\nall %d messages answered in %s\n", sum.Sent, sum.Elapsed.Round(time.Millisecond))
	section := func(title string, counts map[string]int) {
		fmt.Fprintf(out, "\n%s\n", title)
		for _, k := range sortedKeys(counts) {
			fmt.Fprintf(out, "  %7d  %s\n", counts[k], k)
		}
	}
	section("decisions", sum.Decisions)
	if sum.Redelivers > 0 {
		fmt.Fprintf(out, "  %7d  of them for parcels sent twice (same decision_id, counted once)\n", sum.Redelivers)
	}
	fmt.Fprint(out, "  cleared: the parcel may enter under de minimis, free of duty. formal_entry_required:\n"+
		"  it may not; a customs entry must be filed for it (and any duty paid) before it is released.\n")
	section("reasons", sum.Reasons)
	fmt.Fprint(out, "  why a parcel was refused de minimis. One parcel can have several reasons (over the\n"+
		"  threshold and from an excluded origin, say), so they add up to more than the refused parcels.\n")
	section("regime in force at arrival", sum.Regimes)
	fmt.Fprintf(out, "\nsplit-shipment alerts\n  %7d  recipient-days flagged\n  %7d  alert versions published\n", len(sum.Alerts), sum.Versions)
	fmt.Fprint(out, "  a recipient-day is flagged when parcels each within the threshold add up to more than it.\n"+
		"  Each later parcel of that day publishes the alert again as a new version, so there are\n"+
		"  more versions than flagged days; a consumer keeps the highest version of each alert_id.\n")
	section(fmt.Sprintf("rejected to %s (%d)", appCfg.Topics.DLQ, sum.Rejected), sum.Errors)

	if a, ok := largestAlert(sum.Alerts); ok {
		fmt.Fprintf(out, "\nlargest alert: %d parcels via %s on %s, day total $%s (threshold $%s)\n",
			len(a.ParcelIDs), strings.Join(a.Carriers, ", "), a.EntryDate, a.DayTotal, deref(a.Threshold))
	}
	if d, ok := sum.Sample["formal_entry_required"]; ok {
		fmt.Fprintf(out, "\na decision as published to %s:\n  %s\n", appCfg.Topics.Formal, d)
	}
	fmt.Fprintf(out, "\nnext: docs/events.md describes every field; README.md shows how to run against\n"+
		"your own Kafka and Redis (processor run --brokers ... --redis-url ...) and send manifests with kcat.\n")
}

func largestAlert(alerts map[string]event.Alert) (event.Alert, bool) {
	var best event.Alert
	found := false
	for _, id := range sortedKeys(alerts) {
		a := alerts[id]
		if !found || len(a.ParcelIDs) > len(best.ParcelIDs) {
			best, found = a, true
		}
	}
	return best, found
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return *s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
