package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/config"
	"github.com/s321/s321/internal/generate"
)

// generateOptions is the command line of `processor generate`, parsed and
// validated.
type generateOptions struct {
	gen generate.Config
	pace
	// brokers is empty for stdout.
	brokers []string
	topic   string
	// partitions and replication create the topic when it is missing;
	// partitions 0 leaves topics alone.
	partitions, replication int
}

// pace says how many messages to produce, how fast and for how long.
type pace struct {
	// count stops after this many messages; 0 is no limit.
	count int64
	// rate is messages per second; 0 is as fast as the sink takes them.
	rate float64
	// duration stops after this long; 0 is no limit.
	duration time.Duration
	// batch is the most messages written at once.
	batch int
}

// sink is where generated messages go.
type sink interface {
	// write writes msgs, all or none as far as the caller knows.
	write(ctx context.Context, msgs []generate.Message) error
	close() error
}

// tally is what produce wrote.
type tally struct {
	messages    int64
	byKind      map[generate.Kind]int64
	elapsed     time.Duration
	interrupted bool
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseGenerate(args, stderr)
	if err != nil {
		return err
	}
	gen, err := generate.New(opts.gen) // validated by parseGenerate
	if err != nil {
		return err
	}
	var out sink
	var dest string
	if len(opts.brokers) == 0 {
		out, dest = &stdoutSink{w: bufio.NewWriterSize(stdout, 256<<10)}, "stdout"
	} else {
		if opts.partitions > 0 {
			if err := createTopic(ctx, opts); err != nil {
				return err
			}
		}
		out, dest = newKafkaSink(opts), fmt.Sprintf("topic %s on %s", opts.topic, strings.Join(opts.brokers, ","))
	}
	t, err := produce(ctx, gen, out, opts.pace)
	err = errors.Join(err, out.close())
	fmt.Fprintln(stderr, t.summary(dest))
	return err
}

func parseGenerate(args []string, stderr io.Writer) (generateOptions, error) {
	opts := generateOptions{gen: generate.DefaultConfig()}
	fs := flag.NewFlagSet("processor generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `processor generate writes seeded, realistic manifest.v1 traffic: to stdout
as JSONL (one message value per line) when --brokers is empty or "-" or
--stdout is given, else to --topic. The same flags and seed give the same
messages.

usage: processor generate (--count N | --duration D) [--rate N/s] [flags]

`)
		fs.PrintDefaults()
	}
	fs.Int64Var(&opts.count, "count", 0, "stop after this many messages (0: no limit; --count or --duration is required)")
	rate := fs.String("rate", "", "messages per second, like 500/s; empty writes as fast as the destination takes them")
	fs.DurationVar(&opts.duration, "duration", 0, "stop after this long, like 30s (0: no limit)")
	fs.IntVar(&opts.batch, "batch", 500, "most messages written at once")
	brokers := fs.String("brokers", "", `Kafka bootstrap servers, comma-separated; empty or "-" writes to stdout`)
	toStdout := fs.Bool("stdout", false, "write to stdout even when --brokers is given")
	fs.StringVar(&opts.topic, "topic", "manifests", "topic to write to")
	fs.IntVar(&opts.partitions, "partitions", 12, "partitions of the topic if it must be created; 0 never creates it")
	fs.IntVar(&opts.replication, "replication-factor", 1, "replication factor of the topic if it must be created")

	fs.Uint64Var(&opts.gen.Seed, "seed", opts.gen.Seed, "selects the stream: the same seed gives the same messages")
	from := fs.String("from", opts.gen.From.Format(time.RFC3339), "earliest arrival_time (RFC 3339, inclusive)")
	to := fs.String("to", opts.gen.To.Format(time.RFC3339), "latest arrival_time (RFC 3339, exclusive)")
	zone := fs.String("entry-day-tz", "America/New_York", "time zone whose day groups a recipient's parcels (the processor's --entry-day-tz)")
	fs.IntVar(&opts.gen.Recipients, "recipients", opts.gen.Recipients, "size of the recipient population")
	fs.Float64Var(&opts.gen.RepeatShare, "repeat-share", opts.gen.RepeatShare, "share of recipients who get 2 or 3 parcels on one day")
	fs.Float64Var(&opts.gen.SplitShare, "split-share", opts.gen.SplitShare, "share of messages that are parts of split orders")
	fs.Float64Var(&opts.gen.RestrictedShare, "restricted-share", opts.gen.RestrictedShare, "share of messages with a restricted item")
	fs.Float64Var(&opts.gen.BadShare, "bad-share", opts.gen.BadShare, "share of messages that break the manifest.v1 rules")
	fs.Float64Var(&opts.gen.DuplicateShare, "duplicate-share", opts.gen.DuplicateShare, "share of messages that re-send a recent one unchanged")
	// The processors' environment or file names their Kafka: generated
	// traffic goes there only when the command line says so.
	loader := config.BindCommand(fs, config.Command{FlagOnly: []string{"brokers", "stdout", "topic"}})
	if err := parse(fs, args); err != nil {
		return opts, err
	}
	if _, err := loader.Resolve(os.LookupEnv); err != nil {
		fmt.Fprintf(fs.Output(), "processor generate: %v\n", err)
		return opts, errUsage
	}

	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if opts.count < 0 {
		bad("--count: must not be negative")
	}
	if opts.duration < 0 {
		bad("--duration: must not be negative")
	}
	if opts.count == 0 && opts.duration == 0 {
		bad("--count or --duration is required")
	}
	if *rate != "" {
		r, err := parseRate(*rate)
		if err != nil {
			bad("--rate %q: %v", *rate, err)
		}
		opts.rate = r
	}
	if opts.batch < 1 || opts.batch > 100_000 {
		bad("--batch: must be in [1, 100000]")
	}
	if b := strings.TrimSpace(*brokers); b != "" && b != "-" && !*toStdout {
		opts.brokers = splitList(b)
		if opts.topic == "" {
			bad("--topic: must not be empty")
		}
		if opts.partitions < 0 {
			bad("--partitions: must not be negative")
		}
		if opts.replication < 1 {
			bad("--replication-factor: must be at least 1")
		}
	}
	timeFlags := []struct {
		name  string
		value string
		into  *time.Time
	}{{"--from", *from, &opts.gen.From}, {"--to", *to, &opts.gen.To}}
	timesOK := true
	for _, f := range timeFlags {
		t, err := time.Parse(time.RFC3339, f.value)
		if err != nil {
			bad("%s %q: must be an RFC 3339 date-time with an offset, like 2025-08-28T14:03:00-04:00", f.name, f.value)
			timesOK = false
			continue
		}
		*f.into = t
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil || *zone == "" || *zone == "Local" {
		bad("--entry-day-tz %q: must be an IANA time zone, like America/New_York", *zone)
	}
	opts.gen.EntryDayZone = loc
	if timesOK {
		var fieldErr *generate.FieldError
		for _, err := range unjoin(opts.gen.Validate()) {
			if errors.As(err, &fieldErr) {
				bad("%s: %s", configFlags[fieldErr.Field], fieldErr.Rule)
			} else {
				bad("%v", err)
			}
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(fs.Output(), "processor generate: %s\n", p)
		}
		fmt.Fprintln(fs.Output(), `"processor generate -h" lists the flags`)
		return opts, errUsage
	}
	return opts, nil
}

// configFlags names the flag of each generate.Config field.
var configFlags = map[string]string{
	"From": "--from", "To": "--to", "Recipients": "--recipients",
	"RepeatShare": "--repeat-share", "SplitShare": "--split-share", "RestrictedShare": "--restricted-share",
	"BadShare": "--bad-share", "DuplicateShare": "--duplicate-share",
}

// unjoin returns the errors joined in err (errors.Join), or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// parseRate reads "500/s" or "500" as messages per second.
func parseRate(s string) (float64, error) {
	r, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
	if err != nil || !(r > 0) || math.IsInf(r, 0) || r > 1e7 {
		return 0, errors.New("must be a number of messages per second above 0 and at most 1e7, like 500/s")
	}
	return r, nil
}

// produce writes gen's messages to out as p says and returns what it
// wrote. It stops early, without error, when ctx ends.
//
// With a rate, a ticker wakes it a few times a second (at most every
// 100ms, at least every 5ms) and it writes, in batches, the messages due by
// then: rate × elapsed, so the average rate holds even when a write is
// slow. Without a rate, it writes batch after batch.
func produce(ctx context.Context, gen *generate.Generator, out sink, p pace) (tally, error) {
	t := tally{byKind: make(map[generate.Kind]int64)}
	start := time.Now()
	var tick, deadline <-chan time.Time
	if p.rate > 0 {
		interval := min(max(time.Duration(float64(p.batch)/p.rate*float64(time.Second)), 5*time.Millisecond), 100*time.Millisecond)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		tick = ticker.C
	}
	if p.duration > 0 {
		timer := time.NewTimer(p.duration)
		defer timer.Stop()
		deadline = timer.C
	}
	batch := make([]generate.Message, 0, p.batch)
	for {
		elapsed := time.Since(start)
		last := p.duration > 0 && elapsed >= p.duration
		if last {
			elapsed = p.duration
		}
		due := int64(math.MaxInt64)
		if p.rate > 0 {
			due = int64(p.rate * elapsed.Seconds())
		}
		if p.count > 0 {
			due = min(due, p.count)
		}
		for t.messages < due && ctx.Err() == nil {
			batch = batch[:0]
			for range min(int64(p.batch), due-t.messages) {
				batch = append(batch, gen.Next())
			}
			if err := out.write(ctx, batch); err != nil {
				t.elapsed = time.Since(start)
				if ctx.Err() != nil {
					t.interrupted = true
					return t, nil
				}
				return t, err
			}
			t.messages += int64(len(batch))
			for _, m := range batch {
				t.byKind[m.Kind]++
			}
			if p.rate == 0 {
				break // look at the clock and ctx between unpaced batches
			}
		}
		if last || (p.count > 0 && t.messages >= p.count) {
			t.elapsed = time.Since(start)
			return t, nil
		}
		if p.rate > 0 {
			select {
			case <-tick:
			case <-deadline:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			t.elapsed = time.Since(start)
			t.interrupted = true
			return t, nil
		}
	}
}

// summary is the line printed when produce returns.
func (t tally) summary(dest string) string {
	var b strings.Builder
	rate := 0.0
	if t.elapsed > 0 {
		rate = float64(t.messages) / t.elapsed.Seconds()
	}
	fmt.Fprintf(&b, "generated %d messages in %.2fs (%.0f/s) to %s:", t.messages, t.elapsed.Seconds(), rate, dest)
	for i, kind := range generate.Kinds() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s %d", kind, t.byKind[kind])
	}
	if t.interrupted {
		b.WriteString(" (interrupted)")
	}
	return b.String()
}

// stdoutSink writes message values as JSONL.
type stdoutSink struct{ w *bufio.Writer }

func (s *stdoutSink) write(_ context.Context, msgs []generate.Message) error {
	for _, m := range msgs {
		// The generator writes compact JSON; a newline would split a
		// message in two.
		if bytes.IndexByte(m.Value, '\n') >= 0 {
			return fmt.Errorf("message %s: value holds a newline, which JSONL cannot carry", m.Key)
		}
		s.w.Write(m.Value)
		s.w.WriteByte('\n')
	}
	// Flush per batch so a paced stream reaches a pipe at its pace.
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}

func (s *stdoutSink) close() error { return nil }

// kafkaSink produces messages keyed by parcel id, as carriers do.
type kafkaSink struct {
	w   *kafka.Writer
	buf []kafka.Message
}

func newKafkaSink(opts generateOptions) *kafkaSink {
	return &kafkaSink{w: &kafka.Writer{
		Addr:  kafka.TCP(opts.brokers...),
		Topic: opts.topic,
		// The Java client's partitioner: keys land where other clients
		// would put them.
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchSize:              opts.batch,
		BatchTimeout:           time.Millisecond, // WriteMessages already hands over a whole batch
		AllowAutoTopicCreation: true,
	}}
}

func (s *kafkaSink) write(ctx context.Context, msgs []generate.Message) error {
	s.buf = s.buf[:0]
	for _, m := range msgs {
		s.buf = append(s.buf, kafka.Message{Key: m.Key, Value: m.Value})
	}
	if err := s.w.WriteMessages(ctx, s.buf...); err != nil {
		return fmt.Errorf("write to %s: %w", s.w.Topic, err)
	}
	return nil
}

func (s *kafkaSink) close() error {
	if err := s.w.Close(); err != nil {
		return fmt.Errorf("close writer: %w", err)
	}
	return nil
}

// createTopic creates the topic unless it exists.
func createTopic(ctx context.Context, opts generateOptions) error {
	client := &kafka.Client{Addr: kafka.TCP(opts.brokers...), Timeout: 10 * time.Second}
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: opts.topic, NumPartitions: opts.partitions, ReplicationFactor: opts.replication,
	}}})
	if err == nil {
		err = resp.Errors[opts.topic]
	}
	if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s (--partitions 0 skips this): %w", opts.topic, err)
	}
	return nil
}
