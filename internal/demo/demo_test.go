package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/s321/s321/internal/demo"
)

// TestDemoAnswersEveryMessage runs the demo as the README's first command
// does, on fewer messages, and checks what it printed against what it saw.
func TestDemoAnswersEveryMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := demo.DefaultConfig()
	cfg.Messages = 600
	var out bytes.Buffer
	sum, err := demo.RunConfig(ctx, cfg, &out, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	decided := 0
	for _, n := range sum.Decisions {
		decided += n
	}
	if decided+sum.Rejected != cfg.Messages {
		t.Errorf("%d decided + %d rejected, want %d messages answered", decided, sum.Rejected, cfg.Messages)
	}
	if sum.Rejected == 0 || len(sum.Alerts) == 0 || sum.Decisions["cleared"] == 0 || sum.Decisions["formal_entry_required"] == 0 {
		t.Errorf("the sample should show every outcome: %+v", sum)
	}
	for _, want := range []string{"all 600 messages answered", "decisions", "split-shipment alerts", "rejected to manifests.dlq", "recipient_key",
		"formal_entry_required:\n  it may not", "add up to more than the refused parcels", "more versions than flagged days"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, private := range []string{`"name"`, "address_line1"} {
		if strings.Contains(out.String(), private) {
			t.Errorf("output shows recipient data (%s)", private)
		}
	}
}
