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
