package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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

// TestReplayHugePagesChangeNoDecision: --huge-pages changes where the
// heap lies, nothing a replay decides. Both ways, generated manifests get
// the same decisions, but for the time each was made.
func TestReplayHugePagesChangeNoDecision(t *testing.T) {
	t.Setenv("RECIPIENT_KEY_SECRET", "replay-test-secret-0123456789")
	t.Setenv("REDIS_URL", "")
	dir := t.TempDir()
	input := filepath.Join(dir, "manifests.jsonl")
	var generated, stderr bytes.Buffer
	if code := run([]string{"generate", "--count", "3000", "--stdout"}, &generated, &stderr); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr.String())
	}
	if err := os.WriteFile(input, generated.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	decided := map[string][]string{}
	for _, flag := range []string{"--huge-pages=true", "--huge-pages=false"} {
		out := filepath.Join(dir, flag[2:]+".jsonl")
		var stdout bytes.Buffer
		stderr.Reset()
		if code := run([]string{"replay", flag, "--input", input, "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("replay %s: exit %d:\n%s%s", flag, code, stdout.String(), stderr.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		decidedAt := regexp.MustCompile(`"decided_at":"[^"]*"`)
		decided[flag] = strings.Split(decidedAt.ReplaceAllString(string(data), `"decided_at":""`), "\n")
	}
	on, off := decided["--huge-pages=true"], decided["--huge-pages=false"]
	if len(on) < 2900 {
		t.Fatalf("%d decisions, want nearly 3000", len(on))
	}
	if !slices.Equal(on, off) {
		t.Errorf("the decisions differ with --huge-pages: %d lines against %d", len(on), len(off))
	}
}
