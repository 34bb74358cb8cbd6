package process

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/window"
)

// noCounter counts nothing: prepare never reaches the counter.
type noCounter struct{}

func (noCounter) Apply(context.Context, []window.Op) ([]window.Result, error) { return nil, nil }

// prepareProcessor returns a processor with address clusters and links
// on, so that prepare works out every key.
func prepareProcessor(t testing.TB) *Processor {
	t.Helper()
	keyer, err := identity.NewKeyer([]byte("a-test-secret-of-enough-length"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := window.NewMemory(window.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(DefaultConfig(), Deps{Regimes: decide.Builtin(), Keyer: keyer, Counter: noCounter{}, Linker: store})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// generated returns n generated messages, the bad ones included.
func generated(t testing.TB, n int) []Input {
	t.Helper()
	gen, err := generate.New(generate.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([]Input, n)
	for i := range inputs {
		msg := gen.Next()
		inputs[i] = Input{Key: msg.Key, Value: msg.Value, Source: event.Source{Topic: "manifests", Offset: int64(i)}}
	}
	return inputs
}

// TestPrepareInRunsIsPrepareOneByOne prepares a batch large enough to be
// split into runs prepared at once, and the same batch one message after
// the other: the parcels and the rejections are the same.
func TestPrepareInRunsIsPrepareOneByOne(t *testing.T) {
	// Runs follow the threads: at least two, on any machine.
	defer runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 4))
	p := prepareProcessor(t)
	inputs := generated(t, 8*minPrepareRun+3)
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)

	inRuns := p.newBatch(inputs, now)
	defer p.putScratch(inRuns.scratch)
	if err := inRuns.prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	oneByOne := p.newBatch(inputs, now)
	defer p.putScratch(oneByOne.scratch)
	oneByOne.prepareRun(0, len(inputs))

	rejected := 0
	for i := range inputs {
		if !reflect.DeepEqual(inRuns.rejects[i], oneByOne.rejects[i]) {
			t.Errorf("message %d: rejected %v in runs, %v one by one", i, inRuns.rejects[i], oneByOne.rejects[i])
		}
		if inRuns.rejects[i] != nil {
			rejected++
			continue
		}
		if !reflect.DeepEqual(inRuns.parcels[i], oneByOne.parcels[i]) {
			t.Errorf("message %d: prepared\n%+v in runs,\n%+v one by one", i, inRuns.parcels[i], oneByOne.parcels[i])
		}
	}
	if rejected == len(inputs) {
		t.Fatal("every message rejected")
	}
}

// BenchmarkPrepare prepares batches of 1,000 generated messages, as
// Process does (on every thread); it reports messages a second.
func BenchmarkPrepare(b *testing.B) {
	p := prepareProcessor(b)
	inputs := generated(b, 1000)
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		batch := p.newBatch(inputs, now)
		if err := batch.prepare(ctx); err != nil {
			b.Fatal(err)
		}
		p.putScratch(batch.scratch)
	}
	b.ReportMetric(float64(len(inputs)*b.N)/b.Elapsed().Seconds(), "messages/s")
}
