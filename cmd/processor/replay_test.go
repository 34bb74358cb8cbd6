package main

import (
	"bytes"
	"testing"
)

// Regression: away from a terminal (a log file, CI) the progress line of
// a file named by --input said only the bytes read, not how far along
// the replay was.
func TestReplayProgressLine(t *testing.T) {
	cases := []struct {
		name        string
		total, read int64
		want        string
	}{
		{"a file", 2000, 500, "replay: 500 of 2000 bytes read (25%)\n"},
		{"stdin, whose size is unknown", 0, 500, "replay: 500 bytes read\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newProgress(&out, c.total)
			p.update(c.read)
			// A second update within the interval prints nothing.
			p.update(c.read + 1)
			p.done()
			if got := out.String(); got != c.want {
				t.Errorf("progress printed %q, want %q", got, c.want)
			}
		})
	}
}
