package identity

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// pair is one line of a corpus file: two recipients and what the line
// proves.
type pair struct {
	line    int
	a, b    Recipient
	comment string
}

// readCorpus reads a corpus file of testdata: tab-separated lines of
// a_name a_line1 a_line2 a_postal a_country b_name b_line1 b_line2 b_postal
// b_country comment; lines starting with # are comments.
func readCorpus(t *testing.T, path string) []pair {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pairs []pair
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 11 {
			t.Fatalf("%s:%d: %d fields, want 11", path, line, len(fields))
		}
		recipient := func(f []string) Recipient {
			return Recipient{Name: f[0], AddressLine1: f[1], AddressLine2: f[2], PostalCode: f[3], Country: f[4]}
		}
		pairs = append(pairs, pair{line: line, a: recipient(fields[0:5]), b: recipient(fields[5:10]), comment: fields[10]})
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return pairs
}

func TestCorpusMatch(t *testing.T) {
	k := testKeyer(t)
	pairs := readCorpus(t, "testdata/match.tsv")
	if len(pairs) < 60 {
		t.Fatalf("match corpus has %d pairs, want at least 60", len(pairs))
	}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d %s", p.line, p.comment), func(t *testing.T) {
			if ka, kb := k.Key(p.a), k.Key(p.b); ka != kb {
				t.Errorf("keys differ:\n  %q\n  %q", Identity(p.a), Identity(p.b))
			}
		})
	}
}

func TestCorpusNoMatch(t *testing.T) {
	k := testKeyer(t)
	pairs := readCorpus(t, "testdata/nomatch.tsv")
	if len(pairs) < 60 {
		t.Fatalf("nomatch corpus has %d pairs, want at least 60", len(pairs))
	}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d %s", p.line, p.comment), func(t *testing.T) {
			if ka, kb := k.Key(p.a), k.Key(p.b); ka == kb {
				t.Errorf("keys equal, identity %q", Identity(p.a))
			}
		})
	}
}

// TestCorpusAddressKey checks that AddressKey follows Key on the address
// part: pairs that match on everything match on the address, and a pair
// that differs only in the name still shares the address key.
func TestCorpusAddressKey(t *testing.T) {
	k := testKeyer(t)
	for _, p := range readCorpus(t, "testdata/match.tsv") {
		t.Run(fmt.Sprintf("%d %s", p.line, p.comment), func(t *testing.T) {
			if k.AddressKey(p.a) != k.AddressKey(p.b) {
				t.Errorf("address keys differ for a matching pair")
			}
		})
	}
	for _, p := range readCorpus(t, "testdata/nomatch.tsv") {
		sameAddress := p.a.AddressLine1 == p.b.AddressLine1 && p.a.AddressLine2 == p.b.AddressLine2 &&
			p.a.PostalCode == p.b.PostalCode && p.a.Country == p.b.Country
		if !sameAddress {
			continue
		}
		t.Run(fmt.Sprintf("%d %s", p.line, p.comment), func(t *testing.T) {
			if k.AddressKey(p.a) != k.AddressKey(p.b) {
				t.Errorf("address keys differ for recipients at one address")
			}
		})
	}
}
