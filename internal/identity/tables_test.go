package identity

import "testing"

// TestTables checks the invariants the rules rely on: standard forms map to
// themselves (so normalizing twice changes nothing), and no word is read two
// ways (a suffix that is also a directional or a unit designator would make
// the address rules depend on table order).
func TestTables(t *testing.T) {
	t.Run("suffix abbreviations are fixed points", func(t *testing.T) {
		for word, abbr := range streetSuffixes {
			if streetSuffixes[abbr] != abbr {
				t.Errorf("%s -> %s, but %s -> %q", word, abbr, abbr, streetSuffixes[abbr])
			}
		}
	})
	t.Run("directional abbreviations are fixed points", func(t *testing.T) {
		for word, abbr := range directionals {
			if directionals[abbr] != abbr {
				t.Errorf("%s -> %s, but %s -> %q", word, abbr, abbr, directionals[abbr])
			}
		}
	})
	t.Run("at least 40 suffixes", func(t *testing.T) {
		standard := map[string]bool{}
		for _, abbr := range streetSuffixes {
			standard[abbr] = true
		}
		if len(standard) < 40 {
			t.Errorf("%d standard suffixes, want at least 40", len(standard))
		}
	})
	t.Run("no word in two address roles", func(t *testing.T) {
		for word, info := range addressWords {
			roles := 0
			for _, is := range []bool{info.suffix != "", info.dir != "", info.unit, info.number > 0, info.ordinal > 0} {
				if is {
					roles++
				}
			}
			if roles > 1 {
				t.Errorf("%s has %d roles: %+v", word, roles, *info)
			}
		}
	})
	t.Run("generation suffixes are not titles", func(t *testing.T) {
		for word := range generationSuffixes {
			if honorifics[word] || degrees[word] {
				t.Errorf("%s is both a generation suffix and a title", word)
			}
		}
	})
	t.Run("ordinal text", func(t *testing.T) {
		for n, want := range map[int]string{1: "1ST", 2: "2ND", 3: "3RD", 4: "4TH", 11: "11TH", 12: "12TH", 13: "13TH", 21: "21ST", 22: "22ND", 23: "23RD", 90: "90TH"} {
			if ordinalText[n] != want {
				t.Errorf("ordinalText[%d] = %q, want %q", n, ordinalText[n], want)
			}
		}
	})
}
