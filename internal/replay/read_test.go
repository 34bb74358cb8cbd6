package replay

import (
	"bytes"
	"strings"
	"testing"

	"github.com/s321/s321/internal/process"
)

// TestReadBatches reads lines into batches: newlines and carriage returns
// dropped, blank lines skipped but numbered, a line over the limit cut to
// one byte more than it (so the processor rejects it) and the rest of it
// skipped, and each batch's lines left as they were read while the next
// batches are read.
func TestReadBatches(t *testing.T) {
	long := strings.Repeat("x", 100_000) // longer than bufio's buffer
	input := "a\r\nbb\n\n  \n" + long + "\ncc\nlast"
	type line struct {
		value  string
		offset int64
	}
	want := []line{{"a", 1}, {"bb", 2}, {strings.Repeat("x", 1001), 5}, {"cc", 6}, {"last", 7}}
	for _, batchSize := range []int{1, 2, 3, 100} {
		var got []line
		var batches [][]process.Input
		var lastRead int64
		n, err := readBatches(Config{Name: "t", BatchSize: batchSize, MaxLineBytes: 1000}, strings.NewReader(input),
			func(inputs []process.Input, read int64) error {
				batches = append(batches, inputs)
				lastRead = read
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		for _, inputs := range batches {
			for _, in := range inputs {
				if in.Source.Topic != "replay:t" {
					t.Errorf("topic %q", in.Source.Topic)
				}
				got = append(got, line{string(in.Value), in.Source.Offset})
			}
		}
		if n != len(want) || len(got) != len(want) {
			t.Fatalf("batch size %d: %d lines counted, %d read, want %d", batchSize, n, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("batch size %d: line %d is %.20q at %d, want %.20q at %d", batchSize, i, got[i].value, got[i].offset, want[i].value, want[i].offset)
			}
		}
		if lastRead != int64(len(input)) {
			t.Errorf("batch size %d: %d bytes read, want %d", batchSize, lastRead, len(input))
		}
		if !bytes.Equal(batches[0][0].Value, []byte("a")) || cap(batches[0][0].Value) != 1 {
			t.Errorf("batch size %d: the first line is %q, capacity %d", batchSize, batches[0][0].Value, cap(batches[0][0].Value))
		}
	}
}
