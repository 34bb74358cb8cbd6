package window

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/s321/s321/internal/testenv"
)

func TestDumpChecksumIsCRC64Jones(t *testing.T) {
	// The check value of CRC-64/Jones as Redis's crc64.c gives it.
	if got := dumpChecksum([]byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("checksum %#x, want 0xe9c6d914c4b8d9ca", got)
	}
}

// TestHashDumpIsWhatRedisDumps builds payloads of hashes whose values
// take every listpack encoding, and checks each against DUMP of the same
// hash written by HSET, and that RESTORE of it gives that hash back.
func TestHashDumpIsWhatRedisDumps(t *testing.T) {
	ctx := context.Background()
	// Without compression, DUMP writes the listpack as it is.
	rdb := testenv.StartRedis(t, "--rdbcompression", "no").Client()
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name  string
		pairs []string
	}{
		{"small integers", []string{"v", "0", "n", "1", "a", "127", "b", "128", "c", "-1", "d", "-4096", "e", "4095"}},
		{"wider integers", []string{"a", "4096", "b", "-4097", "c", "32767", "d", "-32768", "e", "32768",
			"f", "8388607", "g", "-8388608", "h", "8388608", "i", "2147483647", "j", "-2147483648", "k", "2147483648"}},
		{"64-bit integers", []string{"max", "9223372036854775807", "min", "-9223372036854775808", "v", "4611686018427387904"}},
		{"texts that are not integers", []string{"z", "007", "m", "-0", "p", "+5", "f", "1.5", "big", "9223372036854775808", "e", ""}},
		{"field names that are integers", []string{"1", "one", "-7", "minus seven"}},
		{"strings at the listpack's bounds", []string{"a", long(63), long(64), "b", "p:" + long(60), "1 12345 2 0 0 12345 2 c UPS"}},
		{"128 pairs", func() []string {
			var p []string
			for i := range 128 {
				p = append(p, "l:"+strconv.Itoa(i), "PCL-"+strconv.Itoa(i)+" UPS")
			}
			return p
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, restored := "dumped:"+tc.name, "restored:"+tc.name
			args := make([]any, len(tc.pairs))
			pairs := make([][]byte, len(tc.pairs))
			for i, p := range tc.pairs {
				args[i], pairs[i] = p, []byte(p)
			}
			if err := rdb.HSet(ctx, key, args...).Err(); err != nil {
				t.Fatal(err)
			}
			if enc := rdb.ObjectEncoding(ctx, key).Val(); enc != "listpack" {
				t.Fatalf("HSET made a %s, not a listpack", enc)
			}
			dump, err := rdb.Dump(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			payload, _, ok := appendHashDump([]byte("kept"), nil, pairs)
			if !ok || string(payload[:4]) != "kept" {
				t.Fatalf("not built (%v), or what was before it lost", ok)
			}
			payload = payload[4:]
			// What comes before the RDB version is the same whatever the
			// server; the version and checksum are the server's own.
			body := len(payload) - 10
			if !bytes.Equal(payload[:body], []byte(dump)[:len(dump)-10]) {
				t.Fatalf("payload\\n% x\\nDUMP\\n% x", payload[:body], []byte(dump)[:len(dump)-10])
			}
			if err := rdb.Restore(ctx, restored, 0, string(payload)).Err(); err != nil {
				t.Fatalf("RESTORE: %v", err)
			}
			want, got := rdb.HGetAll(ctx, key).Val(), rdb.HGetAll(ctx, restored).Val()
			if len(got) != len(tc.pairs)/2 {
				t.Fatalf("restored %d pairs, want %d", len(got), len(tc.pairs)/2)
			}
			for f, v := range want {
				if got[f] != v {
					t.Errorf("field %q: restored %q, want %q", f, got[f], v)
				}
			}
			if enc := rdb.ObjectEncoding(ctx, restored).Val(); enc != "listpack" {
				t.Errorf("restored as %s, not a listpack", enc)
			}
		})
	}
}

// TestHashDumpLeavesToHSETWhatRedisKeepsAsATable: a hash Redis would not
// keep as a listpack (more than 128 pairs, a field or value over 64
// bytes) gets no payload, and is written by HSET instead; so do pairs
// that are not a hash (a field twice).
func TestHashDumpLeavesToHSETWhatRedisKeepsAsATable(t *testing.T) {
	pairsOf := func(s ...string) [][]byte {
		p := make([][]byte, len(s))
		for i := range s {
			p[i] = []byte(s[i])
		}
		return p
	}
	var many []string
	for i := range 129 {
		many = append(many, "l:"+strconv.Itoa(i), "x")
	}
	for name, pairs := range map[string][][]byte{
		"129 pairs":         pairsOf(many...),
		"a value of 65":     pairsOf("a", strings.Repeat("x", 65)),
		"a field of 65":     pairsOf(strings.Repeat("x", 65), "a"),
		"no pairs":          nil,
		"a field, no value": pairsOf("a"),
		"a field twice":     pairsOf("a", "1", "b", "2", "a", "3"),
	} {
		if out, _, ok := appendHashDump([]byte("kept"), nil, pairs); ok || !slices.Equal(out, []byte("kept")) {
			t.Errorf("%s: built a payload (%v, %q)", name, ok, out)
		}
	}
}

// TestListpackIntIsWhatRoundTrips: a text is an integer to listpack
// exactly when strconv reads it as an int64 and writes it back the same.
func TestListpackIntIsWhatRoundTrips(t *testing.T) {
	for _, s := range []string{"0", "-0", "00", "01", "-01", "-", "+1", "1", "-1", "12a", " 1", "1 ", "127",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "-99999999999999999999",
		"123456789012345678901", "", "1.5", "1e3"} {
		want, err := strconv.ParseInt(s, 10, 64)
		roundTrips := err == nil && strconv.FormatInt(want, 10) == s
		got, ok := listpackInt([]byte(s))
		if ok != roundTrips || (ok && got != want) {
			t.Errorf("%q: %d, %v; want %d, %v", s, got, ok, want, roundTrips)
		}
	}
}

// BenchmarkHashDump builds the payload of a new recipient's day as the
// store creates it: its figures, one parcel's record and one entry.
func BenchmarkHashDump(b *testing.B) {
	pairs := [][]byte{[]byte("v"), []byte("3022910839478211077"), []byte("n"), []byte("1"),
		[]byte("total"), []byte("12345"), []byte("scale"), []byte("2"),
		[]byte("p:1ZVFKZ0000000001"), []byte("1 12345 2 0 0 12345 0 a c - UPS"),
		[]byte("l:1"), []byte("1ZVFKZ0000000001 UPS")}
	var dump, lp []byte
	b.ReportAllocs()
	for b.Loop() {
		var ok bool
		if dump, lp, ok = appendHashDump(dump[:0], lp, pairs); !ok {
			b.Fatal("no payload")
		}
	}
	b.SetBytes(int64(len(dump)))
}
