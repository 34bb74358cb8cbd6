package window

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// A new subject is created by RESTORE of a payload built here, the one
// command with which Redis creates a key, with its expiry, only where
// there is none: no script, no version check and no separate PEXPIRE
// (see commit). The payload is what DUMP of the same hash answers on
// Redis 7.0 and later: the hash as one listpack, encoded as HSET encodes
// it, so the key Redis keeps is the same either way.

const (
	// rdbTypeHashListpack is the RDB type of a hash kept as a listpack.
	rdbTypeHashListpack = 16
	// rdbVersion is the RDB version of the payload: that of Redis 7.0,
	// the first with rdbTypeHashListpack. Later versions accept it; an
	// earlier one refuses the payload and the store writes new subjects
	// with the script instead.
	rdbVersion = 10
	// hashMaxListpackEntries and hashMaxListpackValue are Redis's
	// defaults of hash-max-listpack-entries and hash-max-listpack-value:
	// a hash with more pairs, or a longer field or value, Redis keeps as
	// a hash table, and such a subject is written with the script, whose
	// HSET makes it one.
	hashMaxListpackEntries = 128
	hashMaxListpackValue   = 64
)

// crcJones holds the tables of CRC-64/Jones (polynomial
// 0xad93d23594c935a9, reflected), which ends a payload, eight bytes at a
// time (slicing-by-8). hash/crc64 computes it too, but a byte at a time
// for a table of its caller's, after comparing the table with its own
// twice.
var crcJones = func() (t [8][256]uint64) {
	poly := bits.Reverse64(0xad93d23594c935a9)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ poly
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}()

// dumpChecksum is the CRC Redis computes over a payload: CRC-64/Jones
// from 0, with no inversion before or after.
func dumpChecksum(p []byte) uint64 {
	var crc uint64
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = crcJones[7][crc&0xff] ^ crcJones[6][crc>>8&0xff] ^ crcJones[5][crc>>16&0xff] ^ crcJones[4][crc>>24&0xff] ^
			crcJones[3][crc>>32&0xff] ^ crcJones[2][crc>>40&0xff] ^ crcJones[1][crc>>48&0xff] ^ crcJones[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = crcJones[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// appendHashDump appends to dst the RESTORE payload of a hash of the
// pairs, field and value in turn; ok is false, and dst as it was, when
// the hash is one Redis keeps as a hash table (see
// hashMaxListpackEntries), the pairs are not whole, or a field comes
// twice (a listpack holding a field twice is corrupt; HSET takes the
// last). scratch is where the listpack is built; the grown buffer is
// returned for the next call.
func appendHashDump(dst, scratch []byte, pairs [][]byte) (out, grown []byte, ok bool) {
	if len(pairs) == 0 || len(pairs)%2 != 0 || len(pairs) > 2*hashMaxListpackEntries || repeatsAField(pairs) {
		return dst, scratch, false
	}
	lp := append(scratch[:0], 0, 0, 0, 0, byte(len(pairs)), byte(len(pairs)>>8))
	for _, p := range pairs {
		if len(p) > hashMaxListpackValue {
			return dst, lp, false
		}
		lp = appendListpackEntry(lp, p)
	}
	lp = append(lp, 0xff)
	binary.LittleEndian.PutUint32(lp, uint32(len(lp)))
	start := len(dst)
	dst = append(dst, rdbTypeHashListpack)
	dst = appendRDBLength(dst, len(lp))
	dst = append(dst, lp...)
	dst = binary.LittleEndian.AppendUint16(dst, rdbVersion)
	return binary.LittleEndian.AppendUint64(dst, dumpChecksum(dst[start:])), lp, true
}

// repeatsAField reports whether a field of pairs comes twice.
func repeatsAField(pairs [][]byte) bool {
	for i := 2; i < len(pairs); i += 2 {
		for j := 0; j < i; j += 2 {
			if string(pairs[i]) == string(pairs[j]) {
				return true
			}
		}
	}
	return false
}

// appendRDBLength appends n as RDB encodes a length: 6 bits in one byte,
// 14 bits in two, else a marker and 32 bits big-endian.
func appendRDBLength(dst []byte, n int) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint32(append(dst, 0x80), uint32(n))
	}
}

// listpackInt reports whether Redis keeps s in a listpack as an integer
// (lpStringToInt64): when it is an int64 in decimal with no plus sign, no
// leading zero and no "-0".
func listpackInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	negative := s[0] == '-'
	digits := s
	if negative {
		digits = s[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, len(s) == 1 && s[0] == '0'
	}
	var v uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	switch {
	case !negative && v <= math.MaxInt64:
		return int64(v), true
	case negative && v <= 1<<63:
		return int64(-v), true
	}
	return 0, false
}

func listpackBacklenSize(n int) int {
	switch {
	case n <= 127:
		return 1
	case n < 16383:
		return 2
	case n < 2097151:
		return 3
	case n < 268435455:
		return 4
	default:
		return 5
	}
}

// appendListpackEntry appends s's entry to a listpack: an integer in the
// smallest of listpack's integer encodings, else a string, and then the
// entry's length backwards, as lpInsertString writes it.
func appendListpackEntry(dst []byte, s []byte) []byte {
	start := len(dst)
	if v, ok := listpackInt(s); ok {
		u := uint64(v)
		switch {
		case v >= 0 && v <= 127:
			dst = append(dst, byte(v))
		case v >= -4096 && v <= 4095:
			u &= 1<<13 - 1
			dst = append(dst, 0xc0|byte(u>>8), byte(u))
		case v >= -32768 && v <= 32767:
			dst = binary.LittleEndian.AppendUint16(append(dst, 0xf1), uint16(u))
		case v >= -8388608 && v <= 8388607:
			dst = append(dst, 0xf2, byte(u), byte(u>>8), byte(u>>16))
		case v >= -2147483648 && v <= 2147483647:
			dst = binary.LittleEndian.AppendUint32(append(dst, 0xf3), uint32(u))
		default:
			dst = binary.LittleEndian.AppendUint64(append(dst, 0xf4), u)
		}
	} else {
		switch n := len(s); {
		case n < 64:
			dst = append(dst, 0x80|byte(n))
		case n < 4096:
			dst = append(dst, 0xe0|byte(n>>8), byte(n))
		default:
			dst = binary.LittleEndian.AppendUint32(append(dst, 0xf0), uint32(n))
		}
		dst = append(dst, s...)
	}
	return appendBacklen(dst, len(dst)-start)
}

// appendBacklen appends n, an entry's length, as listpack writes it after
// the entry, to be read backwards: seven bits a byte, the most
// significant first, every byte but the first with its top bit set.
func appendBacklen(dst []byte, n int) []byte {
	k := listpackBacklenSize(n)
	for i := k - 1; i >= 0; i-- {
		b := byte(n>>(7*i)) & 127
		if i < k-1 {
			b |= 128
		}
		dst = append(dst, b)
	}
	return dst
}
