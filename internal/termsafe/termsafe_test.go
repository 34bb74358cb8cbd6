package termsafe_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/s321/s321/internal/termsafe"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, line, text string
	}{
		{"plain", "DHL Express – Köln", "DHL Express – Köln", "DHL Express – Köln"},
		{"escape sequence", "DHL\x1b[2J\x1b]0;owned\x07", `DHL\u001b[2J\u001b]0;owned\u0007`, `DHL\u001b[2J\u001b]0;owned\u0007`},
		{"newline and tab", "a\nb\tc\r", `a\u000ab\u0009c\u000d`, "a\nb\tc\\u000d"},
		{"C1 and DEL", "x\u009b31my\x7f", `x\u009b31my\u007f`, `x\u009b31my\u007f`},
		{"not UTF-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := termsafe.Line(tc.in); got != tc.line {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.line)
			}
			if got := termsafe.Text(tc.in); got != tc.text {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.text)
			}
		})
	}
}

// The writer escapes what passes through it, a rune cut between two
// writes included, and leaves JSON valid.
func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := termsafe.NewWriter(&out)
	doc := []byte("{\"carrier\":\"K\xc3\xb6ln \u009b2J\x7f\"}\n")
	for i := range doc {
		if _, err := w.Write(doc[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"carrier":"Köln \u009b2J\u007f"}` + "\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	var v map[string]string
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v["carrier"] != "Köln \u009b2J\u007f" {
		t.Errorf("not the same JSON: %v %q", err, v)
	}
}
