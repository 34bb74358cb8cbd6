package bench

import (
	"strings"
	"testing"
)

func TestStagesFromTwoProcessorsMetrics(t *testing.T) {
	one := `# HELP s321_stage_seconds Time of each stage.
# TYPE s321_stage_seconds histogram
s321_stage_seconds_bucket{stage="count",le="0.001"} 90
s321_stage_seconds_bucket{stage="count",le="0.002"} 99
s321_stage_seconds_bucket{stage="count",le="0.004"} 100
s321_stage_seconds_bucket{stage="count",le="+Inf"} 100
s321_stage_seconds_sum{stage="count"} 0.1
s321_stage_seconds_count{stage="count"} 100
# TYPE s321_batch_seconds histogram
s321_batch_seconds_bucket{le="0.001"} 0
s321_batch_seconds_bucket{le="0.002"} 0
s321_batch_seconds_bucket{le="+Inf"} 100
s321_batch_seconds_sum 5
s321_batch_seconds_count 100
# TYPE s321_batch_messages histogram
s321_batch_messages_bucket{le="1"} 100
s321_batch_messages_bucket{le="+Inf"} 100
s321_batch_messages_sum 100
s321_batch_messages_count 100
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 1e-05
go_gc_duration_seconds_sum 0.001
go_gc_duration_seconds_count 3
`
	// The second processor's counts move the count stage's 99th
	// percentile into the next bucket.
	two := strings.ReplaceAll(one, `le="0.002"} 99`, `le="0.002"} 90`)
	all := map[string]*histogram{}
	for _, text := range []string{one, two} {
		if err := parseHistograms(strings.NewReader(text), all); err != nil {
			t.Fatal(err)
		}
	}
	if len(all) != 2 {
		t.Fatalf("histograms %v, want count and batch", all)
	}
	count := all["count"]
	if count.count != 200 || count.sum != 0.2 {
		t.Errorf("count: %v batches, %v s; want 200 and 0.2", count.count, count.sum)
	}
	if q, over := count.quantile(0.99); q != 0.004 || over {
		t.Errorf("count p99 %v (over %v), want 0.004", q, over)
	}
	if q, over := count.quantile(0.5); q != 0.001 || over {
		t.Errorf("count p50 %v (over %v), want 0.001", q, over)
	}
	if q, over := all["batch"].quantile(0.99); q != 0.002 || !over {
		t.Errorf("batch p99 %v (over %v), want past the last bound 0.002", q, over)
	}
}
