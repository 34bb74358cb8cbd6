package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Stage is where a batch's time went in a run, from the processors'
// s321_stage_seconds histograms (and s321_batch_seconds as "batch"),
// summed over the processors.
type Stage struct {
	// Batches is the number of batches observed; MeanMS the mean time of
	// the stage, P99MS the upper bound of the histogram bucket holding the
	// 99th percentile (an upper bound, to a factor of 2), or the largest
	// bound, with P99Over set, when it is past that.
	Batches int64   `json:"batches"`
	MeanMS  float64 `json:"mean_ms"`
	P99MS   float64 `json:"p99_ms"`
	P99Over bool    `json:"p99_over,omitempty"`
}

// stageMetrics are the histograms scraped, by the name reported.
var stageMetrics = map[string]string{
	"s321_stage_seconds": "",      // labelled by stage
	"s321_batch_seconds": "batch", // fetch to outputs acknowledged
}

// histogram is one histogram as scraped: cumulative bucket counts by
// upper bound, the sum and the count.
type histogram struct {
	buckets map[float64]float64
	sum     float64
	count   float64
}

// scrapeHistograms reads every processor's /metrics and sums the stage
// histograms by stage.
func (s *stack) scrapeHistograms(ctx context.Context) (map[string]*histogram, error) {
	all := map[string]*histogram{}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, addr := range s.httpAddrs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("scrape %s: %w", addr, err)
		}
		err = parseHistograms(resp.Body, all)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("scrape %s: %w", addr, err)
		}
	}
	return all, nil
}

// stagesBetween summarizes the batches observed after the scrape before
// (nil: since the processors started) up to the scrape after.
func stagesBetween(before, after map[string]*histogram) map[string]Stage {
	stages := make(map[string]Stage, len(after))
	for name, h := range after {
		if b := before[name]; b != nil {
			h = h.minus(b)
		}
		if h.count == 0 {
			continue
		}
		p99, over := h.quantile(0.99)
		stages[name] = Stage{Batches: int64(h.count), MeanMS: round1(1000 * h.sum / h.count), P99MS: round1(1000 * p99), P99Over: over}
	}
	return stages
}

// minus is h without what earlier observed.
func (h *histogram) minus(earlier *histogram) *histogram {
	d := &histogram{buckets: make(map[float64]float64, len(h.buckets)), sum: h.sum - earlier.sum, count: h.count - earlier.count}
	for le, n := range h.buckets {
		d.buckets[le] = n - earlier.buckets[le]
	}
	return d
}

// parseHistograms adds the stage histograms of one text exposition to
// into, by stage name. The exposition is read by the Prometheus client's
// own parser (expfmt), which the processor's metrics are written with.
func parseHistograms(r io.Reader, into map[string]*histogram) error {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return err
	}
	for name, stageName := range stageMetrics {
		family, ok := families[name]
		if !ok {
			continue
		}
		for _, m := range family.GetMetric() {
			hist := m.GetHistogram()
			if hist == nil {
				return fmt.Errorf("%s: not a histogram", name)
			}
			stage := stageName
			for _, label := range m.GetLabel() {
				if label.GetName() == "stage" {
					stage = label.GetValue()
				}
			}
			h := into[stage]
			if h == nil {
				h = &histogram{buckets: map[float64]float64{}}
				into[stage] = h
			}
			h.sum += hist.GetSampleSum()
			h.count += float64(hist.GetSampleCount())
			for _, bucket := range hist.GetBucket() {
				h.buckets[bucket.GetUpperBound()] += float64(bucket.GetCumulativeCount())
			}
		}
	}
	return nil
}

// quantile is the upper bound of the bucket that holds the q-quantile,
// or the largest finite bound and true when it is past that.
func (h *histogram) quantile(q float64) (float64, bool) {
	bounds := make([]float64, 0, len(h.buckets))
	for le := range h.buckets {
		if !math.IsInf(le, 1) {
			bounds = append(bounds, le)
		}
	}
	slices.Sort(bounds)
	rank := q * h.count
	for _, le := range bounds {
		if h.buckets[le] >= rank {
			return le, false
		}
	}
	if len(bounds) == 0 {
		return 0, true
	}
	return bounds[len(bounds)-1], true
}

// stagesText writes stages on one line, in the order of a batch.
func stagesText(stages map[string]Stage) string {
	order := []string{"link", "count", "record", "publish", "commit", "batch"}
	for name := range stages {
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	var b strings.Builder
	for _, name := range order {
		st, ok := stages[name]
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		over := "≤"
		if st.P99Over {
			over = ">"
		}
		fmt.Fprintf(&b, "%s mean %.1fms p99 %s%gms", name, st.MeanMS, over, st.P99MS)
	}
	return b.String()
}
