package bench

import (
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		{"empty", nil, 0.5, 0},
		{"one value", []float64{7}, 0.99, 7},
		{"median of four is the second", []float64{1, 2, 3, 4}, 0.5, 2},
		{"median of five is the third", []float64{1, 2, 3, 4, 5}, 0.5, 3},
		{"p99 of 100 is the 99th", seq(100), 0.99, 99},
		{"p99 of 1000 is the 990th", seq(1000), 0.99, 990},
		{"p99 of 10 is the largest", seq(10), 0.99, 10},
		{"q 1 is the largest", seq(10), 1, 10},
		{"tiny q is the smallest", seq(10), 0.0001, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.q); got != tc.want {
				t.Errorf("percentile(%v, %g) = %g, want %g", tc.sorted, tc.q, got, tc.want)
			}
		})
	}
}

// seq returns 1..n as floats.
func seq(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}

func TestSummarizeSortsAndCounts(t *testing.T) {
	values := []float64{5, 1, 4, 2, 3}
	got := summarize(values)
	want := Latency{Count: 5, P50MS: 3, P99MS: 5, MaxMS: 5}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != Latency{}) {
		t.Error("summarize(nil) is not zero")
	}
}

func TestPerSecond(t *testing.T) {
	tests := []struct {
		name    string
		n       int64
		seconds float64
		want    float64
	}{
		{"whole", 1000, 2, 500},
		{"rounded", 1000, 3, 333},
		{"no time", 1000, 0, 0},
		{"negative time", 1000, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := perSecond(tc.n, tc.seconds); got != tc.want {
				t.Errorf("perSecond(%d, %g) = %g, want %g", tc.n, tc.seconds, got, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.Executable = "processor"
	tests := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; empty for valid
	}{
		{"defaults with an executable", func(*Config) {}, ""},
		{"no executable", func(c *Config) { c.Executable = "" }, "executable"},
		{"no parcels", func(c *Config) { c.Parcels = 0 }, "parcels 0"},
		{"no partitions", func(c *Config) { c.Partitions = 0 }, "partitions 0"},
		{"too many instances", func(c *Config) { c.Instances = 17 }, "instances 17"},
		{"no batch", func(c *Config) { c.MaxBatch = 0 }, "max batch 0"},
		{"negative baseline", func(c *Config) { c.BaselineParcels = -1 }, "baseline parcels"},
		{"baseline skipped", func(c *Config) { c.BaselineParcels = 0 }, ""},
		{"paced too short", func(c *Config) { c.PacedDuration = time.Millisecond }, "paced duration"},
		{"short but not paced", func(c *Config) { c.Paced, c.PacedDuration = false, 0 }, ""},
		{"no stall bound", func(c *Config) { c.Stall = 0 }, "stall"},
		{"no timeout", func(c *Config) { c.Timeout = 0 }, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.change(&cfg)
			checkValidate(t, cfg.Validate(), tc.want)
		})
	}
}

// checkValidate fails t unless err is nil when want is empty, or an error
// whose text holds want.
func checkValidate(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("Validate() = %v, want nil", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("Validate() = %v, want an error about %q", err, want)
	}
}

func TestSweepConfigValidate(t *testing.T) {
	valid := DefaultSweepConfig()
	valid.Executable = "processor"
	tests := []struct {
		name   string
		change func(*SweepConfig)
		want   string
	}{
		{"defaults", func(*SweepConfig) {}, ""},
		{"no fractions", func(c *SweepConfig) { c.Fractions = nil }, "fractions"},
		{"zero fraction", func(c *SweepConfig) { c.Fractions = []float64{0} }, "fraction 0"},
		{"negative rate", func(c *SweepConfig) { c.MaxRate = -1 }, "max rate"},
		{"short step", func(c *SweepConfig) { c.StepDuration = time.Millisecond }, "step duration"},
		{"bad inner config", func(c *SweepConfig) { c.Partitions = 0 }, "partitions 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.change(&cfg)
			checkValidate(t, cfg.Validate(), tc.want)
		})
	}
}

func TestWritePlotWritesAPNG(t *testing.T) {
	rep := &SweepReport{
		MaxRate: 1000, MaxRateFrom: "flag", StepSeconds: 5, Partitions: 12, Instances: 1,
		Machine: Machine{CPUs: 2},
		Points: []SweepPoint{
			{Fraction: 0.5, OfferedPerSecond: 500, AchievedPerSecond: 500, Latency: Latency{P50MS: 3, P99MS: 20}},
			{Fraction: 1, OfferedPerSecond: 1000, AchievedPerSecond: 950, Latency: Latency{P50MS: 0, P99MS: 400}},
		},
	}
	path := filepath.Join(t.TempDir(), "sweep.png")
	if err := WritePlot(path, rep); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 500 {
		t.Errorf("plot is %dx%d, too small to read", b.Dx(), b.Dy())
	}
	if err := WritePlot(path, &SweepReport{}); err == nil {
		t.Error("WritePlot with no points: no error")
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	if got := peakRSSMB(os.Getpid()); got <= 0 {
		t.Errorf("peakRSSMB(self) = %g, want above 0", got)
	}
	if got := peakRSSMB(-1); got != 0 {
		t.Errorf("peakRSSMB(-1) = %g, want 0", got)
	}
	if got := loadAverage(); len(got) != 3 {
		t.Errorf("loadAverage() = %v, want 3 values", got)
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct {
		raw, want float64
	}{
		{0, 1}, {0.3, 1}, {1, 1}, {1.5, 2}, {2.1, 2.5}, {3, 5}, {7, 10},
		{430, 500}, {600, 1000}, {16667, 20000}, {21000, 25000},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatFloat(tc.raw, 'g', -1, 64), func(t *testing.T) {
			if got := niceStep(tc.raw); got != tc.want {
				t.Errorf("niceStep(%g) = %g, want %g", tc.raw, got, tc.want)
			}
		})
	}
}

func TestWholeTicksAreFewAndRound(t *testing.T) {
	ticks := wholeTicks{}.Ticks(0, 3650)
	if len(ticks) < 4 || len(ticks) > 8 {
		t.Fatalf("%d ticks for 0..3650: %v", len(ticks), ticks)
	}
	for _, tick := range ticks {
		if tick.Value < 0 || tick.Value > 3650 || tick.Label != strconv.FormatFloat(tick.Value, 'f', 0, 64) {
			t.Errorf("tick %+v: want a whole-number label inside 0..3650", tick)
		}
	}
}
