package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/config"
	"github.com/s321/s321/internal/event"
)

const dlqUsage = `processor dlq repairs rejected messages and sends them again.

usage: processor dlq export --out FILE [the flags of processor run]
       processor dlq resend --in FILE [--dry-run] [the flags of processor run]

export writes every
rejected.v1 record of the DLQ topic (--dlq-topic) as one JSON line a
person can edit: the message's key, the error, where it came from, and
its raw text in "raw". resend produces each line's "raw" to the input
topic (--input-topic) with its original key, as a carrier would; the
processor then decides it like any new message. The Kafka connection
(--brokers, TLS, SASL, --config) is that of processor run.
See docs/operations.md, "Repairing rejected messages".
`

// runDLQ is `processor dlq export|resend`.
func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "resend") {
		fmt.Fprint(stderr, dlqUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("processor dlq "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), dlqUsage+"\n")
		fs.PrintDefaults()
	}
	var path string
	dryRun := false
	if args[0] == "export" {
		fs.StringVar(&path, "out", "", "write the JSON lines to this `file` (required; - for stdout)")
	} else {
		fs.StringVar(&path, "in", "", "the edited JSON lines `file` of dlq export (required; - for stdin)")
		fs.BoolVar(&dryRun, "dry-run", false, "check every line and say what would be sent, without sending")
	}
	loader := config.Bind(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if path == "" {
		fmt.Fprintf(stderr, "processor dlq %s: --%s is required\n", args[0], map[string]string{"export": "out", "resend": "in"}[args[0]])
		return errUsage
	}
	settings, err := loader.Resolve(os.LookupEnv)
	if err != nil {
		return err
	}
	cfg := settings.App
	if cfg.EmbeddedKafka() {
		fmt.Fprintf(stderr, "processor dlq %s: --brokers is required (the Kafka of the processors)\n", args[0])
		return errUsage
	}
	dialer, transport, err := app.KafkaClients(cfg.KafkaTLS, cfg.KafkaSASL)
	if err != nil {
		return err
	}
	k := dlqKafka{brokers: cfg.Brokers, dialer: dialer, transport: transport}
	if args[0] == "export" {
		return exportDLQ(ctx, k, cfg.Topics.DLQ, path, stdout, stderr)
	}
	return resendDLQ(ctx, k, cfg.InputTopic, path, dryRun, stdout)
}

// dlqLine is one line of `processor dlq export`, and of the file resend
// reads back: a rejected.v1 record with the message's key added.
type dlqLine struct {
	// Key is the message's Kafka key, unchanged (the DLQ keeps the input
	// key); in standard base64 with KeyBase64 when it is not UTF-8.
	Key       string `json:"key"`
	KeyBase64 bool   `json:"key_base64,omitempty"`
	// Error, Source and RejectedAt are the rejection's, for the person
	// repairing the message; resend ignores them.
	Error      string       `json:"error"`
	Source     event.Source `json:"source"`
	RejectedAt string       `json:"rejected_at"`
	// DLQ is where the record is in the DLQ topic.
	DLQ dlqPosition `json:"dlq"`
	// Raw is the message to send again: edit it to repair it. RawBase64
	// says it is in standard base64 (it was not UTF-8); a repaired text
	// may replace it with raw_base64 false.
	Raw       string `json:"raw"`
	RawBase64 bool   `json:"raw_base64"`
	// RawTruncated says Raw is only the first part of a message too large
	// to copy whole (RawBytes long); resend refuses such a line: take the
	// message from the input topic at Source instead.
	RawTruncated bool `json:"raw_truncated,omitempty"`
	RawBytes     int  `json:"raw_bytes,omitempty"`
}

type dlqPosition struct {
	Partition int   `json:"partition"`
	Offset    int64 `json:"offset"`
}

// dlqKafka is the connection of the dlq commands.
type dlqKafka struct {
	brokers   []string
	dialer    *kafka.Dialer    // nil: kafka-go's default
	transport *kafka.Transport // nil: kafka-go's default
}

// roundTripper is the transport, or a nil interface for kafka-go's
// default (a nil *kafka.Transport in the interface would be called).
func (k dlqKafka) roundTripper() kafka.RoundTripper {
	if k.transport == nil {
		return nil
	}
	return k.transport
}

// exportDLQ writes every record of topic, up to its end when the export
// starts, as a dlqLine to path.
func exportDLQ(ctx context.Context, k dlqKafka, topic, path string, stdout, stderr io.Writer) (err error) {
	out := stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("write %s: %w", path, cerr)
			}
		}()
		// It holds personal data, as the DLQ does.
		if err := f.Chmod(0o600); err != nil {
			return err
		}
		out = f
	}
	w := bufio.NewWriter(out)
	ranges, err := k.offsets(ctx, topic)
	if err != nil {
		return err
	}
	var written, truncated, unreadable int
	for _, r := range ranges {
		if r.first >= r.end {
			continue
		}
		err := k.read(ctx, topic, r, func(m kafka.Message) error {
			var rec event.Rejected
			if err := json.Unmarshal(m.Value, &rec); err != nil || rec.Schema != event.SchemaRejected {
				fmt.Fprintf(stderr, "processor dlq export: %s/%d@%d is not a rejected.v1 record; skipped\n", topic, m.Partition, m.Offset)
				unreadable++
				return nil
			}
			line := dlqLine{
				Key: string(m.Key), Error: rec.Error, Source: rec.Source, RejectedAt: rec.RejectedAt,
				DLQ: dlqPosition{Partition: m.Partition, Offset: m.Offset},
				Raw: rec.Raw, RawBase64: rec.RawBase64, RawTruncated: rec.RawTruncated, RawBytes: rec.RawBytes,
			}
			if !utf8.Valid(m.Key) {
				line.Key, line.KeyBase64 = base64.StdEncoding.EncodeToString(m.Key), true
			}
			if rec.RawTruncated {
				truncated++
			}
			data, err := json.Marshal(line)
			if err != nil {
				return err
			}
			written++
			_, err = w.Write(append(data, '\n'))
			return err
		})
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(stderr, "processor dlq export: %d records of %s written to %s", written, topic, path)
	if truncated > 0 {
		fmt.Fprintf(stderr, "; %d hold only the start of their message (raw_truncated) and cannot be resent from here", truncated)
	}
	if unreadable > 0 {
		fmt.Fprintf(stderr, "; %d were not rejected.v1 and were skipped", unreadable)
	}
	fmt.Fprintln(stderr)
	return nil
}

// resendDLQ checks every line of path, then, when all are good, produces
// each one's raw message to topic with its key. Nothing is sent when a
// line is refused.
func resendDLQ(ctx context.Context, k dlqKafka, topic, path string, dryRun bool, stdout io.Writer) error {
	in := io.Reader(os.Stdin)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	msgs, err := readDLQLines(in, path)
	if err != nil {
		return err
	}
	if dryRun {
		for _, m := range msgs {
			fmt.Fprintf(stdout, "would send key %q, %d bytes\n", m.Key, len(m.Value))
		}
		fmt.Fprintf(stdout, "%d messages would be sent to %s\n", len(msgs), topic)
		return nil
	}
	if len(msgs) == 0 {
		fmt.Fprintf(stdout, "nothing to send: %s has no lines\n", path)
		return nil
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(k.brokers...),
		Topic:        topic,
		Transport:    k.roundTripper(),
		Balancer:     &kafka.Murmur2Balancer{}, // the Java client's, as carriers partition by key
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
	}
	err = w.WriteMessages(ctx, msgs...)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("send to %s: %w", topic, err)
	}
	fmt.Fprintf(stdout, "sent %d messages to %s\n", len(msgs), topic)
	return nil
}

// readDLQLines reads the lines of an export into messages, and refuses
// the whole file, naming every bad line, when one is truncated or cannot
// be read. Blank lines are skipped.
func readDLQLines(in io.Reader, name string) ([]kafka.Message, error) {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(nil, 4<<20)
	var msgs []kafka.Message
	var problems []string
	for n := 1; scanner.Scan(); n++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" {
			continue
		}
		var line dlqLine
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&line); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not a line of dlq export: %v", n, err))
			continue
		}
		if line.RawTruncated {
			problems = append(problems, fmt.Sprintf("line %d: raw_truncated: it holds only the first part of a %d-byte message; take the whole message from %s partition %d offset %d, or delete the line",
				n, line.RawBytes, line.Source.Topic, line.Source.Partition, line.Source.Offset))
			continue
		}
		value := []byte(line.Raw)
		if line.RawBase64 {
			decoded, err := base64.StdEncoding.DecodeString(line.Raw)
			if err != nil {
				problems = append(problems, fmt.Sprintf("line %d: raw_base64 is true but raw is not standard base64: %v", n, err))
				continue
			}
			value = decoded
		}
		key := []byte(line.Key)
		if line.KeyBase64 {
			decoded, err := base64.StdEncoding.DecodeString(line.Key)
			if err != nil {
				problems = append(problems, fmt.Sprintf("line %d: key_base64 is true but key is not standard base64: %v", n, err))
				continue
			}
			key = decoded
		}
		if len(value) == 0 {
			problems = append(problems, fmt.Sprintf("line %d: raw is empty", n))
			continue
		}
		msgs = append(msgs, kafka.Message{Key: key, Value: value})
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: nothing sent, %d lines refused:\n  %s", name, len(problems), strings.Join(problems, "\n  "))
	}
	return msgs, nil
}

// partitionRange is the offsets [first, end) a partition holds.
type partitionRange struct {
	partition  int
	first, end int64
}

// offsets returns each partition's first and end offsets.
func (k dlqKafka) offsets(ctx context.Context, topic string) ([]partitionRange, error) {
	client := &kafka.Client{Addr: kafka.TCP(k.brokers...), Transport: k.roundTripper(), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		var topicErr error
		if len(meta.Topics) == 1 {
			topicErr = meta.Topics[0].Error
		}
		return nil, fmt.Errorf("topic %s: %w", topic, errors.Join(topicErr, errors.New("not found")))
	}
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("offsets of %s: %w", topic, err)
	}
	var out []partitionRange
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		out = append(out, partitionRange{partition: p.Partition, first: p.FirstOffset, end: p.LastOffset})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].partition < out[j].partition })
	return out, nil
}

// read hands each message of one partition from r.first up to r.end to
// each, in offset order.
func (k dlqKafka) read(ctx context.Context, topic string, r partitionRange, each func(kafka.Message) error) error {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: k.brokers, Dialer: k.dialer, Topic: topic, Partition: r.partition,
		MaxWait: 100 * time.Millisecond, MaxBytes: 16 << 20,
	})
	defer reader.Close()
	if err := reader.SetOffset(r.first); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			return fmt.Errorf("read %s/%d at %d of [%d, %d): %w", topic, r.partition, reader.Offset(), r.first, r.end, err)
		}
		if err := each(m); err != nil {
			return err
		}
		if m.Offset+1 >= r.end {
			return nil
		}
	}
}
