// Package replay decides a file of manifest.v1 lines without Kafka: for
// backfills, audits of past days, and trying a regime table on history.
//
// It owns reading the file in batches, writing the decisions and alerts as
// JSON lines, the progress display and the summary by entry date, decision
// and reason.
// The deciding itself is package process, exactly as the stream does it,
// against a Redis (or the embedded store) under a key prefix of its own, so
// a replay never touches the live day totals.
package replay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/process"
)

// Processor decides batches in steps, so that a batch is prepared while
// the one before it is counted, and that one finished meanwhile;
// *process.Processor is one.
type Processor interface {
	Begin(batch []process.Input, now time.Time) *process.Batch
}

// Config configures a replay.
type Config struct {
	// Name names the input in each decision's source.topic
	// ("replay:<name>"); the line number is the offset.
	Name string
	// Topics are the processor's output topics, to tell outputs apart.
	Topics process.Topics
	// BatchSize is how many lines are decided at once. Default 1000.
	BatchSize int
	// MaxLineBytes is the longest line read; a longer one is rejected like
	// an oversized message. Default 1 MiB.
	MaxLineBytes int
	// Progress, when set, is called after each batch with the bytes read.
	Progress func(bytesRead int64)
	// Alerts, when set, receives every alert version the replay raises,
	// as the alerts topic would carry it (alert.v1), one JSON object a
	// line, in the order they were raised.
	Alerts io.Writer
}

// Summary counts what a replay decided.
type Summary struct {
	Lines     int
	Decisions int
	Rejected  int
	Alerts    int
	// ByDay counts decisions by entry date, then by decision and by reason.
	ByDay map[string]*Day
	// Errors counts rejections by error text, with the first line of each.
	Errors map[string]*ErrorCount
}

// Day is one entry date of the summary.
type Day struct {
	Decisions map[string]int
	Reasons   map[string]int
}

// ErrorCount is one kind of rejection.
type ErrorCount struct {
	Count     int
	FirstLine int
}

// Run decides every line of in and writes the decisions to out (nil: not
// written), one JSON object a line, in input order, and the alerts to
// cfg.Alerts. Four goroutines work at once, each on its own batch: one
// reads lines, one prepares them (the stages that read no state:
// decoding, screening, keying), one counts them (links and day totals),
// one finishes them (deciding, encoding), sums up and writes what was
// decided. Batches are counted one after the other, in input order, as a
// partition's are.
func Run(ctx context.Context, cfg Config, p Processor, in io.Reader, out io.Writer, now func() time.Time) (*Summary, error) {
	if cfg.BatchSize < 1 {
		cfg.BatchSize = 1000
	}
	if cfg.MaxLineBytes < 1 {
		cfg.MaxLineBytes = 1 << 20
	}
	sum := &Summary{ByDay: map[string]*Day{}, Errors: map[string]*ErrorCount{}}
	decisions, alerts := lineWriter(out), lineWriter(cfg.Alerts)
	// read is a batch's inputs, and how far the input was read then;
	// decided is its outputs.
	type read struct {
		inputs []process.Input
		read   int64
	}
	type begun struct {
		batch *process.Batch
		read  int64
	}
	batches := make(chan read, 1)
	preparedBatches := make(chan begun, 1)
	countedBatches := make(chan begun, 1)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		lines, err := readBatches(cfg, in, func(inputs []process.Input, bytesRead int64) error {
			select {
			case batches <- read{inputs, bytesRead}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		sum.Lines = lines
		return err
	})
	g.Go(func() error {
		defer close(preparedBatches)
		for b := range batches {
			select {
			case preparedBatches <- begun{p.Begin(b.inputs, now()), b.read}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		defer close(countedBatches)
		for b := range preparedBatches {
			if err := b.batch.Count(ctx); err != nil {
				return err
			}
			select {
			case countedBatches <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		for b := range countedBatches {
			outputs, err := b.batch.Finish(ctx)
			if err != nil {
				return err
			}
			for _, o := range outputs {
				if err := sum.add(cfg.Topics, o, decisions, alerts); err != nil {
					return err
				}
			}
			if cfg.Progress != nil {
				cfg.Progress(b.read)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return sum, err
	}
	if err := decisions.flush(); err != nil {
		return sum, fmt.Errorf("write decisions: %w", err)
	}
	if err := alerts.flush(); err != nil {
		return sum, fmt.Errorf("write alerts: %w", err)
	}
	return sum, nil
}

// lines writes JSON objects one a line, buffered; nil writes nothing.
type lines struct{ w *bufio.Writer }

func lineWriter(w io.Writer) lines {
	if w == nil {
		return lines{}
	}
	return lines{bufio.NewWriterSize(w, 256<<10)}
}

func (l lines) write(v []byte) error {
	if l.w == nil {
		return nil
	}
	l.w.Write(v)
	return l.w.WriteByte('\n') // a bufio.Writer keeps its first error
}

func (l lines) flush() error {
	if l.w == nil {
		return nil
	}
	return l.w.Flush()
}

// readBatches reads in a batch at a time and hands each batch to done,
// with how far the input was read; it returns the number of lines read.
// A batch's lines are held in one array of their own, which no later
// batch writes to.
func readBatches(cfg Config, in io.Reader, done func(inputs []process.Input, read int64) error) (int, error) {
	reader := bufio.NewReaderSize(in, 64<<10)
	topic := "replay:" + cfg.Name
	var read int64
	lines, lineNo := 0, 0
	batch := make([]process.Input, 0, cfg.BatchSize)
	// data holds the batch's lines; it starts an eighth larger than the
	// last batch's lines took, so it rarely grows.
	data := make([]byte, 0, 64<<10)
	for {
		line, n, err := readLine(reader, &data, cfg.MaxLineBytes)
		read += int64(n)
		if n > 0 {
			lineNo++
		}
		// Blank lines are skipped; offsets are line numbers in the file.
		if len(bytes.TrimSpace(line)) > 0 {
			lines++
			batch = append(batch, process.Input{Value: line, Source: event.Source{Topic: topic, Offset: int64(lineNo)}})
		}
		if len(batch) == cfg.BatchSize || (err != nil && len(batch) > 0) {
			if derr := done(batch, read); derr != nil {
				return lines, derr
			}
			batch = make([]process.Input, 0, cfg.BatchSize)
			data = make([]byte, 0, len(data)+len(data)/8)
		}
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return lines, fmt.Errorf("read input: %w", err)
		}
	}
}

// readLine reads one line without its newline, appending it to data. A
// line longer than max is returned truncated to max+1 bytes (so the
// processor rejects it as too large) and the rest of it is skipped.
func readLine(r *bufio.Reader, data *[]byte, max int) ([]byte, int, error) {
	start := len(*data)
	n := 0
	for {
		chunk, err := r.ReadSlice('\n')
		n += len(chunk)
		if kept := len(*data) - start; kept <= max {
			*data = append(*data, chunk[:min(len(chunk), max+1-kept)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := bytes.TrimRight((*data)[start:], "\r\n")
		// The line ends where the next begins: capped, so that
		// appending to it could not write over the next.
		*data = (*data)[:start+len(line)]
		return line[:len(line):len(line)], n, err
	}
}

// add counts one output, and writes a decision to decisions and an alert
// to alerts.
func (s *Summary) add(topics process.Topics, o process.Output, decisions, alerts lines) error {
	switch o.Topic {
	case topics.Alerts:
		s.Alerts++
		if err := alerts.write(o.Value); err != nil {
			return fmt.Errorf("write alerts: %w", err)
		}
		return nil
	case topics.DLQ:
		s.Rejected++
		e := s.Errors[o.Rejection]
		if e == nil {
			e = &ErrorCount{FirstLine: int(o.Source.Offset)}
			s.Errors[o.Rejection] = e
		}
		e.Count++
		return nil
	}
	s.Decisions++
	day := s.ByDay[o.EntryDate]
	if day == nil {
		day = &Day{Decisions: map[string]int{}, Reasons: map[string]int{}}
		s.ByDay[o.EntryDate] = day
	}
	day.Decisions[o.Decision]++
	for _, r := range o.Reasons {
		day.Reasons[r]++
	}
	if err := decisions.write(o.Value); err != nil {
		return fmt.Errorf("write decisions: %w", err)
	}
	return nil
}

// Print writes the summary as a table: one row per entry date with its
// decisions and reasons, then the rejections.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "%d lines: %d decisions, %d rejected, %d alert versions\n\n", s.Lines, s.Decisions, s.Rejected, s.Alerts)
	reasons := []string{"DE_MINIMIS_SUSPENDED", "ORIGIN_EXCLUDED", "RESTRICTED_GOODS", "VALUE_OVER_THRESHOLD", "DAILY_TOTAL_OVER_THRESHOLD"}
	short := []string{"SUSPENDED", "ORIGIN", "RESTRICTED", "VALUE", "DAILY_TOTAL"}
	fmt.Fprintf(w, "%-10s %8s %8s %9s", "entry_date", "cleared", "formal", "cancelled")
	for _, r := range short {
		fmt.Fprintf(w, " %11s", r)
	}
	fmt.Fprintln(w)
	days := make([]string, 0, len(s.ByDay))
	for d := range s.ByDay {
		days = append(days, d)
	}
	slices.Sort(days)
	for _, date := range days {
		day := s.ByDay[date]
		fmt.Fprintf(w, "%-10s %8d %8d %9d", date, day.Decisions["cleared"], day.Decisions["formal_entry_required"], day.Decisions["cancelled"])
		for _, r := range reasons {
			fmt.Fprintf(w, " %11d", day.Reasons[r])
		}
		fmt.Fprintln(w)
	}
	if len(s.Errors) > 0 {
		fmt.Fprintf(w, "\nrejected:\n")
		errs := make([]string, 0, len(s.Errors))
		for e := range s.Errors {
			errs = append(errs, e)
		}
		// The most frequent first; of as frequent, the one met first.
		slices.SortFunc(errs, func(a, b string) int {
			if c := s.Errors[b].Count - s.Errors[a].Count; c != 0 {
				return c
			}
			return s.Errors[a].FirstLine - s.Errors[b].FirstLine
		})
		for _, e := range errs {
			fmt.Fprintf(w, "  %6d  %s (first at line %d)\n", s.Errors[e].Count, strings.TrimSpace(e), s.Errors[e].FirstLine)
		}
	}
}
