package identity

import "bytes"

// NormalizeName returns the canonical form of a person's name: folded (see
// the package documentation), honorifics and degrees dropped, generation
// suffixes kept in their short form, and the words sorted, so that word
// order never matters ("Smith, John" and "John Smith" are both "JOHN
// SMITH"). Middle names and initials are kept.
func NormalizeName(s string) string {
	var out [128]byte
	return string(appendName(out[:0], s))
}

// appendName appends the canonical form of the name s to dst.
func appendName(dst []byte, s string) []byte {
	var bufArr [192]byte
	var wordArr [16]span
	buf := trimSpace(appendFold(bufArr[:0], 0, s, foldName), 0)
	words := splitWords(wordArr[:0], buf, 0)

	// Titles go, unless nothing else is left (a name that is only "Sir"
	// stays "SIR" rather than becoming empty). "Ph.D." folds to PH D.
	kept := 0
	var titles uint64 // bit i: words[i] is a title, for i < 64
	for i := 0; i < len(words); i++ {
		word := text(buf, words[i])
		if len(word) == 2 && word[0] == 'P' && word[1] == 'H' && i+1 < len(words) &&
			string(text(buf, words[i+1])) == "D" {
			if i+1 < 64 {
				titles |= 3 << i
			} else {
				words[i], words[i+1] = span{}, span{}
			}
			i++
			continue
		}
		info, known := nameWords[string(word)]
		switch {
		case !known:
			kept++
		case info.title:
			if i < 64 {
				titles |= 1 << i
			}
		default:
			kept++
			if info.short != string(word) {
				buf, words[i] = replace(buf, info.short)
			}
		}
	}
	if kept > 0 {
		for i, w := range words {
			if i < 64 && titles&(1<<i) != 0 ||
				i >= 64 && w.start != w.end && nameWords[string(text(buf, w))].title {
				words[i] = span{}
			}
		}
	}

	// Insertion sort: names have a handful of words, and sort.Slice would
	// allocate.
	for i := 1; i < len(words); i++ {
		for j := i; j > 0 && bytes.Compare(text(buf, words[j]), text(buf, words[j-1])) < 0; j-- {
			words[j], words[j-1] = words[j-1], words[j]
		}
	}
	return appendWords(dst, buf, words)
}
