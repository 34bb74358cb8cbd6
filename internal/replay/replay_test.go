package replay_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/replay"
)

var update = flag.Bool("update", false, "rewrite testdata/examples.summary")

// TestReplayOfTheExampleStream replays the contract's example stream (with
// a blank line at the end) on the embedded store and compares the printed
// summary with testdata/examples.summary, which is the expected.json of the
// contract told by entry date.
func TestReplayOfTheExampleStream(t *testing.T) {
	cfg := app.DefaultConfig()
	if err := cfg.ValidateAndLoad(); err != nil {
		t.Fatal(err)
	}
	log := zaptest.NewLogger(t)
	rdb, closeStore, err := app.OpenStore(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	p, _, err := app.NewProcessor(cfg, rdb, "s321-replay", log)
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(filepath.Join("testdata", "examples.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out bytes.Buffer
	var progressCalls int
	sum, err := replay.Run(context.Background(), replay.Config{
		Name: "examples.jsonl", Topics: cfg.Topics, BatchSize: 4,
		Progress: func(int64) { progressCalls++ },
	}, p, in, &out, func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	if progressCalls != 2 {
		t.Errorf("progress reported %d times, want 2 (batches of 4 of 7 lines)", progressCalls)
	}

	var printed bytes.Buffer
	sum.Print(&printed)
	golden := filepath.Join("testdata", "examples.summary")
	if *update {
		if err := os.WriteFile(golden, printed.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(printed.Bytes(), want) {
		t.Errorf("summary:\n%s\nwant:\n%s", printed.String(), want)
	}

	// The decisions file has one decision a line, in input order, with
	// line numbers as offsets.
	sc := bufio.NewScanner(&out)
	var parcels []string
	for sc.Scan() {
		var d struct {
			ParcelID string `json:"parcel_id"`
			Source   struct {
				Topic  string `json:"topic"`
				Offset int    `json:"offset"`
			} `json:"source"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		parcels = append(parcels, d.ParcelID)
		if d.Source.Topic != "replay:examples.jsonl" || d.Source.Offset != len(parcels) {
			t.Errorf("%s: source %+v, want replay:examples.jsonl line %d", d.ParcelID, d.Source, len(parcels))
		}
	}
	if len(parcels) != 6 || parcels[0] != "PUB-1" || parcels[5] != "PUB-6" {
		t.Errorf("decisions written: %v", parcels)
	}
}

// TestReplayDecidesAsProcess replays generated lines in small batches,
// so that one batch is counted while the one before it is finished and
// the next prepared, and checks that every decision and every alert
// version it writes is the one a processor of its own gives batch by
// batch, one stage after the other.
func TestReplayDecidesAsProcess(t *testing.T) {
	const lines, batchSize = 3000, 40
	gcfg := generate.DefaultConfig()
	gcfg.Seed, gcfg.Recipients = 5, 400 // few recipients: days with several parcels, and alerts
	input := generatedLines(t, gcfg, lines)
	cfg := replayConfig(t)
	newProcessor := func() *process.Processor {
		p, _, err := app.NewProcessor(cfg, nil, "s321-replay", zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	var out, alertsOut bytes.Buffer
	sum, err := replay.Run(context.Background(), replay.Config{Name: "gen", Topics: cfg.Topics, BatchSize: batchSize, Alerts: &alertsOut},
		newProcessor(), bytes.NewReader(input), &out, replayNow)
	if err != nil {
		t.Fatal(err)
	}

	// The same lines, batch by batch, through Process.
	p := newProcessor()
	var want, wantAlerts [][]byte
	rejected := 0
	values := bytes.Split(bytes.TrimSuffix(input, []byte("\n")), []byte("\n"))
	for start := 0; start < len(values); start += batchSize {
		var batch []process.Input
		for i := start; i < min(start+batchSize, len(values)); i++ {
			batch = append(batch, process.Input{Value: values[i], Source: event.Source{Topic: "replay:gen", Offset: int64(i + 1)}})
		}
		outputs, err := p.Process(context.Background(), batch, replayNow())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outputs {
			switch o.Topic {
			case cfg.Topics.Alerts:
				wantAlerts = append(wantAlerts, o.Value)
			case cfg.Topics.DLQ:
				rejected++
			default:
				want = append(want, o.Value)
			}
		}
	}
	sameLines(t, "decision", out.Bytes(), want)
	sameLines(t, "alert version", alertsOut.Bytes(), wantAlerts)
	if sum.Alerts != len(wantAlerts) || sum.Rejected != rejected || len(wantAlerts) == 0 || rejected == 0 {
		t.Errorf("replay: %d alert versions, %d rejected; Process: %d and %d (both must be some)", sum.Alerts, sum.Rejected, len(wantAlerts), rejected)
	}
}

// sameLines fails unless written holds want, one a line, in order.
func sameLines(t *testing.T, what string, written []byte, want [][]byte) {
	t.Helper()
	got := bytes.Split(bytes.TrimSuffix(written, []byte("\n")), []byte("\n"))
	if len(written) == 0 {
		got = nil
	}
	if len(got) != len(want) {
		t.Fatalf("replay wrote %d of %d %ss", len(got), len(want), what)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s %d:\nreplay  %s\nProcess %s", what, i, got[i], want[i])
		}
	}
}
