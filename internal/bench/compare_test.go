package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteComparison(t *testing.T) {
	base := &Report{Build: "base", Figures: Figures{ParcelsPerSecond: 10000, ProcessorUSPerParcel: 40, RedisUSPerParcel: 60}, ReplayPerSecond: 4000}
	head := &Report{Build: "head", Figures: Figures{ParcelsPerSecond: 40000, ProcessorUSPerParcel: 10, RedisUSPerParcel: 15}, ReplayPerSecond: 100000}
	var out bytes.Buffer
	if err := WriteComparison(&out, []*Report{base, head}); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for line := range strings.Lines(out.String()) {
		fields := strings.Fields(line)
		if len(fields) > 3 {
			name := strings.Join(fields[:len(fields)-3], " ")
			rows[name] = fields[len(fields)-3:]
		}
	}
	tests := []struct {
		row  string
		want []string // base, head, head / base
	}{
		{"parcels_per_second", []string{"10000", "40000", "4.00"}},
		{"processor_us_per_parcel", []string{"40", "10", "0.25"}},
		{"redis_us_per_parcel", []string{"60", "15", "0.25"}},
		{"replay_per_second", []string{"4000", "100000", "25.00"}},
		// Not measured in either: no ratio.
		{"broker_us_per_parcel", []string{"-", "-", "-"}},
		{"baseline parcels_per_second", []string{"-", "-", "-"}},
	}
	for _, tc := range tests {
		if got := rows[tc.row]; strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("row %s = %v, want %v\n%s", tc.row, got, tc.want, out.String())
		}
	}
	if !strings.Contains(strings.SplitN(out.String(), "\n", 2)[0], "head / base") {
		t.Errorf("header does not name the ratio column:\n%s", out.String())
	}
}

// TestWriteComparisonRounds: with rounds, each build's figure is the
// median of its rounds', and the ratio the median of each round's ratio,
// not the ratio of the medians.
func TestWriteComparisonRounds(t *testing.T) {
	report := func(build string, round int, rate, redis float64) *Report {
		return &Report{Build: build, Round: round, Figures: Figures{ParcelsPerSecond: rate, RedisUSPerParcel: redis}}
	}
	// Measured A B, B A, A B: the machine slows down from round to round.
	reports := []*Report{
		report("base", 1, 10000, 60), report("head", 1, 30000, 20),
		report("head", 2, 16000, 24), report("base", 2, 8000, 48),
		report("base", 3, 4000, 0), report("head", 3, 10000, 0),
	}
	var out bytes.Buffer
	if err := WriteComparison(&out, reports); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], "medians of 3 rounds") {
		t.Errorf("first line %q does not say the figures are medians of 3 rounds", lines[0])
	}
	if !strings.Contains(lines[1], "head / base") || !strings.Contains(lines[1], "in each round") {
		t.Errorf("header %q does not name the ratio and each round's", lines[1])
	}
	tests := []struct {
		row  string
		want string
	}{
		// Medians 8000 and 16000; ratios 3.00, 2.00 and 2.50, median 2.50
		// (the ratio of the medians would be 2.00).
		{"parcels_per_second", "8000 16000 2.50 3.00 2.00 2.50"},
		// Round 3 measured no Redis figure: medians of two, ratios of two.
		{"redis_us_per_parcel", "54 22 0.42 0.33 0.50"},
		{"broker_us_per_parcel", "- - - -"},
	}
	for _, tc := range tests {
		var got string
		for _, line := range lines {
			if fields := strings.Fields(line); len(fields) > 0 && fields[0] == tc.row {
				got = strings.Join(fields[1:], " ")
			}
		}
		if got != tc.want {
			t.Errorf("row %s = %q, want %q\n%s", tc.row, got, tc.want, out.String())
		}
	}
}

// TestWriteComparisonEvenRounds: the median of two rounds is written as
// the mean it is, not as the nearest float64's long expansion.
func TestWriteComparisonEvenRounds(t *testing.T) {
	var out bytes.Buffer
	err := WriteComparison(&out, []*Report{
		{Build: "a", Round: 1, Figures: Figures{RedisUSPerParcel: 27.9}},
		{Build: "a", Round: 2, Figures: Figures{RedisUSPerParcel: 28.2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(out.String()) {
		if fields := strings.Fields(line); len(fields) > 0 && fields[0] == "redis_us_per_parcel" {
			if got := strings.Join(fields[1:], " "); got != "28.05" {
				t.Errorf("redis_us_per_parcel = %q, want 28.05", got)
			}
			return
		}
	}
	t.Errorf("no redis_us_per_parcel row:\n%s", out.String())
}

func TestRoundOrder(t *testing.T) {
	builds := []Build{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	for round, want := range map[int]string{1: "abc", 2: "cba", 3: "abc", 4: "cba"} {
		var got string
		for _, b := range roundOrder(builds, round) {
			got += b.Name
		}
		if got != want {
			t.Errorf("round %d: order %s, want %s", round, got, want)
		}
	}
	if builds[0].Name != "a" {
		t.Errorf("roundOrder reordered its argument: %v", builds)
	}
}

// TestWriteManifests checks the replay's input: one manifest a line, the
// same file for the same seed, so every build replays the same parcels.
func TestWriteManifests(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, path := range []string{a, b} {
		if err := writeManifests(path, 500, 3); err != nil {
			t.Fatal(err)
		}
	}
	first, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two files of the same seed differ")
	}
	lines, valid := 0, 0
	scanner := bufio.NewScanner(bytes.NewReader(first))
	for scanner.Scan() {
		lines++
		var m map[string]any
		if json.Unmarshal(scanner.Bytes(), &m) == nil && m["parcel_id"] != nil {
			valid++
		}
	}
	// The generator sends a few bad messages on purpose; most are valid.
	if lines != 500 || valid < 450 {
		t.Errorf("%d lines, %d manifests with a parcel_id: want 500 lines, most of them manifests", lines, valid)
	}
}
