package bench

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// comparisonRows are the figures WriteComparison puts side by side.
var comparisonRows = []struct {
	name  string
	value func(*Report) float64
}{
	{"parcels_per_second", func(r *Report) float64 { return r.ParcelsPerSecond }},
	{"redis_us_per_parcel", func(r *Report) float64 { return r.RedisUSPerParcel }},
	{"processor_us_per_parcel", func(r *Report) float64 { return r.ProcessorUSPerParcel }},
	{"broker_us_per_parcel", func(r *Report) float64 { return r.BrokerUSPerParcel }},
	{"redis_rewrite_us_per_parcel", func(r *Report) float64 { return r.RedisRewriteUSPerParcel }},
	{"p50_ms", func(r *Report) float64 { return r.P50MS }},
	{"p99_ms", func(r *Report) float64 { return r.P99MS }},
	{"peak_rss_mb", func(r *Report) float64 { return r.PeakRSSMB }},
	{"baseline parcels_per_second", func(r *Report) float64 {
		if r.Baseline == nil {
			return 0
		}
		return r.Baseline.ParcelsPerSecond
	}},
	{"replay_per_second", func(r *Report) float64 { return r.ReplayPerSecond }},
	{"replay cpu_us_per_parcel", func(r *Report) float64 {
		if r.Replay == nil {
			return 0
		}
		return r.Replay.CPUUSPerParcel
	}},
}

// WriteComparison writes the main figures of several reports side by side
// as a text table, one column a build, and with two or more builds a last
// column of the last build's figure over the first's. A figure not
// measured is "-".
func WriteComparison(w io.Writer, reports []*Report) error {
	if len(reports) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	first, last := reports[0], reports[len(reports)-1]
	header := "\t"
	for _, r := range reports {
		header += r.Build + "\t"
	}
	if len(reports) > 1 {
		header += last.Build + " / " + first.Build + "\t"
	}
	fmt.Fprintln(tw, header)
	for _, row := range comparisonRows {
		line := row.name + "\t"
		for _, r := range reports {
			line += figure(row.value(r)) + "\t"
		}
		if len(reports) > 1 {
			a, b := row.value(first), row.value(last)
			if a > 0 && b > 0 {
				line += strconv.FormatFloat(b/a, 'f', 2, 64) + "\t"
			} else {
				line += "-\t"
			}
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// figure writes a measured value, or "-" for one that was not measured.
func figure(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
