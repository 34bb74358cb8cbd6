package bench

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
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
// as a text table, one column a build (reports of one build are its
// rounds), and with two or more builds a column of the last build's
// figure over the first's. A build's figure is the median of its rounds'.
// The ratio is the median of the ratios of the two builds' figures in
// each round, which pairs each measurement with the one taken next to
// it; with several rounds a last column lists those ratios. A figure not
// measured is "-".
func WriteComparison(w io.Writer, reports []*Report) error {
	if len(reports) == 0 {
		return nil
	}
	var names []string
	byBuild := map[string][]*Report{}
	rounds := 0
	for _, r := range reports {
		if _, ok := byBuild[r.Build]; !ok {
			names = append(names, r.Build)
		}
		byBuild[r.Build] = append(byBuild[r.Build], r)
		rounds = max(rounds, len(byBuild[r.Build]))
	}
	first, last := byBuild[names[0]], byBuild[names[len(names)-1]]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "\t"
	for _, name := range names {
		header += name + "\t"
	}
	if len(names) > 1 {
		header += names[len(names)-1] + " / " + names[0] + "\t"
		if rounds > 1 {
			header += "in each round\t"
		}
	}
	if rounds > 1 {
		fmt.Fprintf(tw, "medians of %d rounds\n", rounds)
	}
	fmt.Fprintln(tw, header)
	for _, row := range comparisonRows {
		line := row.name + "\t"
		for _, name := range names {
			var values []float64
			for _, r := range byBuild[name] {
				if v := row.value(r); v != 0 {
					values = append(values, v)
				}
			}
			line += figure(median(values)) + "\t"
		}
		if len(names) > 1 {
			var ratios []float64
			var each []string
			for _, a := range first {
				for _, b := range last {
					if a.Round != b.Round {
						continue
					}
					if va, vb := row.value(a), row.value(b); va > 0 && vb > 0 {
						ratios = append(ratios, vb/va)
						each = append(each, strconv.FormatFloat(vb/va, 'f', 2, 64))
					}
				}
			}
			if len(ratios) > 0 {
				line += strconv.FormatFloat(median(ratios), 'f', 2, 64) + "\t"
			} else {
				line += "-\t"
			}
			if rounds > 1 {
				line += cmp.Or(strings.Join(each, " "), "-") + "\t"
			}
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// median returns the middle of values (the mean of the two middle ones
// when they are even), 0 for none.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(values))
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

// figure writes a measured value, or "-" for one that was not measured.
// It is rounded to two decimals: a median of an even number of rounds is
// a mean of two, which float64 holds only nearly (28.05, not
// 28.049999999999997).
func figure(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
