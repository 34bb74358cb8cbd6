package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/config"
	"github.com/s321/s321/internal/replay"
	"github.com/s321/s321/internal/termsafe"
)

// replaySettings are the settings of run that replay takes. Its day totals
// are kept apart from the live ones, under a key prefix of its own that is
// read from the command line alone: the processors' environment or file
// names the live prefix.
var replaySettings = config.Command{
	Settings: []string{"redis-url", "key-prefix", "regimes", "fx-rates", "shadow-regimes", "entry-day-tz",
		"recipient-key-secret", "recipient-key-secret-file", "state-ttl", "max-message-bytes"},
	Defaults: func(s *config.Settings) { s.App.KeyPrefix = "s321-replay" },
	Usage: map[string]string{
		"redis-url":                 "Redis for the day totals; empty uses an embedded in-memory store",
		"key-prefix":                "prefix of the replay's Redis keys, apart from the live ones",
		"regimes":                   "JSON regime table replacing the built-in one",
		"fx-rates":                  "CSV of exchange rates",
		"shadow-regimes":            "second regime table for what-if",
		"recipient-key-secret-file": "file holding the recipient-key secret (or env RECIPIENT_KEY_SECRET); required",
		"state-ttl":                 "how long the replay's day totals are kept",
		"max-message-bytes":         "longer lines are rejected",
	},
	FlagOnly: []string{"key-prefix"},
}

// defaultReplayGCPercent is replay's --gc-percent. A replay is a batch
// job whose live heap is mostly the memory store's subjects, growing with
// the days it holds, and a collection marks all of it: collecting less
// often than Go's 100 saves the collector's CPU, and collecting more often
// than 300 saves the kernel's, which maps every new page of a heap that
// keeps growing. At 200, replays of 200,000 and 1,000,000 lines took no
// longer than at 300 and peaked at about 15% less memory
// (docs/performance.md, Replay).
const defaultReplayGCPercent = 200

// runReplay is `processor replay`: decide a JSONL file without Kafka.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor replay decides a file of manifest.v1 lines without Kafka, as processor run would, and\nprints a summary; the decisions go to --out, the alerts to --alerts.", "processor replay --input FILE [--out FILE] [--alerts FILE] [flags]")
	input := fs.String("input", "", "file of manifest.v1 JSON lines (required; - for stdin)")
	output := fs.String("out", "", "write the decisions here as JSON lines; empty writes none")
	alertsOut := fs.String("alerts", "", "write every alert version here as JSON lines (alert.v1); empty writes none")
	gcPercent := fs.Int("gc-percent", defaultReplayGCPercent, "garbage collector's target: the heap grows this many percent over what is live before a collection (GOGC, when set, wins)")
	hugePages := fs.Bool("huge-pages", false, "back the heap with transparent huge pages where Linux allows it (madvise), for fewer page faults as the heap grows")
	loader := config.BindCommand(fs, replaySettings)
	if err := parse(fs, args); err != nil {
		return err
	}
	settings, err := loader.Resolve(os.LookupEnv)
	if err != nil {
		return err
	}
	if *input == "" {
		fmt.Fprintln(stderr, "processor replay: --input is required")
		return errUsage
	}
	if *alertsOut != "" && filepath.Clean(*alertsOut) == filepath.Clean(*output) {
		fmt.Fprintf(stderr, "processor replay: --alerts %s: is --out too; give each its own file\n", *alertsOut)
		return errUsage
	}
	if *gcPercent < 1 {
		fmt.Fprintf(stderr, "processor replay: --gc-percent %d: must be at least 1\n", *gcPercent)
		return errUsage
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(*gcPercent)
	}
	cfg := settings.App
	// The decisions written hold recipient keys: the development secret,
	// public in the source, would make them reversible by anyone.
	if err := cfg.RequireSecret("by replay"); err != nil {
		return err
	}
	if err := cfg.ValidateAndLoad(); err != nil {
		return err
	}
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return err
	}
	if *hugePages {
		adviseHeap()
	}
	in, name, size, err := openInput(*input)
	if err != nil {
		return err
	}
	defer in.Close()
	out, closeOut, err := createOutput(*output)
	if err != nil {
		return err
	}
	defer closeOut() // on an error; closed below otherwise
	alerts, closeAlerts, err := createOutput(*alertsOut)
	if err != nil {
		return err
	}
	defer closeAlerts()
	rdb, closeStore, err := app.OpenStore(cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	// Nothing queries a replay's decisions afterwards: they go to --out.
	cfg.KeepDecisions = false
	processor, _, err := app.NewProcessor(cfg, rdb, cfg.KeyPrefix, log)
	if err != nil {
		return err
	}
	progress := newProgress(stderr, size)
	start := time.Now()
	sum, err := replay.Run(ctx, replay.Config{
		Name: name, Topics: cfg.Topics, MaxLineBytes: cfg.MaxMessageBytes, Progress: progress.update, Alerts: alerts,
	}, processor, in, out, time.Now)
	progress.done()
	if err != nil {
		return err
	}
	if err := closeOut(); err != nil {
		return err
	}
	if err := closeAlerts(); err != nil {
		return err
	}
	// The summary quotes the input's errors: escape what it prints.
	safeOut := termsafe.NewWriter(stdout)
	elapsed := time.Since(start)
	fmt.Fprintf(safeOut, "replayed %s in %s, %.0f lines a second\n", name, elapsed.Round(time.Millisecond), float64(sum.Lines)/elapsed.Seconds())
	sum.Print(safeOut)
	return safeOut.Flush()
}

// createOutput creates the file at path for writing and returns it with
// its Close, or, for an empty path, no writer. A second Close only
// answers that the file is closed.
func createOutput(path string) (io.Writer, func() error, error) {
	if path == "" {
		return nil, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func openInput(path string) (io.ReadCloser, string, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), "stdin", 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", 0, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, "", 0, err
	}
	return f, filepath.Base(path), info.Size(), nil
}

// progress draws a bar on a terminal and prints a plain line every few
// seconds elsewhere (a log file, CI).
type progress struct {
	w        io.Writer
	total    int64
	terminal bool
	last     time.Time
}

func newProgress(w io.Writer, total int64) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(read int64) {
	now := time.Now()
	interval := 5 * time.Second
	if p.terminal {
		interval = 100 * time.Millisecond
	}
	if now.Sub(p.last) < interval {
		return
	}
	p.last = now
	if !p.terminal {
		if p.total > 0 {
			fmt.Fprintf(p.w, "replay: %d of %d bytes read (%.0f%%)\n", read, p.total, 100*float64(read)/float64(p.total))
			return
		}
		fmt.Fprintf(p.w, "replay: %d bytes read\n", read)
		return
	}
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%d bytes read", read)
		return
	}
	const width = 40
	filled := int(float64(width) * float64(read) / float64(p.total))
	filled = min(max(filled, 0), width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < filled {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.w, "\r[%s] %3.0f%%", bar, 100*float64(read)/float64(p.total))
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
