package bench

import (
	"math"
	"slices"
)

// Latency summarizes the manifest-to-answer latencies of one run.
type Latency struct {
	// Count is the number of decisions measured.
	Count int `json:"count"`
	// P50MS, P99MS and MaxMS are the median, 99th percentile and largest
	// latency, in milliseconds (the timestamps have millisecond
	// resolution).
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

// summarize returns the latency summary of values (ms); it sorts values.
func summarize(values []float64) Latency {
	if len(values) == 0 {
		return Latency{}
	}
	slices.Sort(values)
	return Latency{
		Count: len(values),
		P50MS: percentile(values, 0.50),
		P99MS: percentile(values, 0.99),
		MaxMS: values[len(values)-1],
	}
}

// percentile returns the nearest-rank q-quantile (0 < q <= 1) of sorted
// values: the smallest value with at least q of all values at or below
// it. It returns 0 for no values.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// perSecond returns n/seconds rounded to a whole number, or 0 when
// seconds is not positive.
func perSecond(n int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return math.Round(float64(n) / seconds)
}

// usPerParcel returns seconds of CPU over parcels in microseconds,
// rounded to a tenth, or 0 for no parcels.
func usPerParcel(seconds float64, parcels int) float64 {
	if parcels <= 0 {
		return 0
	}
	return round1(seconds * 1e6 / float64(parcels))
}

// round1 and round3 round to 1 and 3 decimal places, for the report.
func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
