package process

import (
	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/window"
)

// The buffers a batch works in. Each saves allocations that were measured
// (BenchmarkProcessMemory): what no output keeps is pooled across batches
// (scratch); what outputs keep is allocated once per batch and handed out
// in slices (outBuf, itemSlab) or shared between the batch's parcels
// (dateTexts, the facts of a regime).

// scratch is what one batch works in that nothing outlives the batch:
// about a megabyte at a thousand parcels, so it is reused rather than
// left to the collector. It is cleared before it goes back to the pool,
// which keeps no manifest alive and hands out zeroed parcels.
type scratch struct {
	parcels []parcel
	rejects []error // non-nil: why the message is rejected
	ops     []window.Op
}

// getScratch returns a cleared scratch with room for n messages.
func (p *Processor) getScratch(n int) *scratch {
	s, _ := p.scratches.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	if cap(s.parcels) < n {
		s.parcels, s.rejects = make([]parcel, n), make([]error, n)
	}
	s.parcels, s.rejects = s.parcels[:n], s.rejects[:n]
	if cap(s.ops) < 3*n {
		s.ops = make([]window.Op, 0, 3*n)
	}
	return s
}

// putScratch clears s and returns it to the pool.
func (p *Processor) putScratch(s *scratch) {
	clear(s.parcels)
	clear(s.rejects)
	clear(s.ops[:cap(s.ops)])
	s.ops = s.ops[:0]
	p.scratches.Put(s)
}

// outBytesPerMessage is about what a decision takes encoded, so that a
// batch's outBuf rarely grows.
const outBytesPerMessage = 768

// outBuf holds a batch's encoded outputs back to back: each output's value
// (and key) is a slice of it capped at its own end, so appending the next
// never writes into it. When it grows, the slices already taken keep the
// old array. One allocation per batch instead of several per output.
type outBuf []byte

// since returns what was appended from start on.
func (b outBuf) since(start int) []byte { return b[start:len(b):len(b)] }

// text appends s and returns it.
func (b *outBuf) text(s string) []byte {
	start := len(*b)
	*b = append(*b, s...)
	return b.since(start)
}

// itemSlab hands out slices of one array, so a batch's parcels do not
// allocate their items one by one. A slice handed out is capped at its
// own end; when the array is used up, the next is allocated and the
// slices already handed out keep the old one.
type itemSlab struct {
	free []decide.Item
	// size is how many items an array holds (at least n of the take
	// that allocates it); 0 is 4096.
	size int
}

// take returns n zeroed items.
func (s *itemSlab) take(n int) []decide.Item {
	if n > len(s.free) {
		size := s.size
		if size == 0 {
			size = 4096
		}
		s.free = make([]decide.Item, max(n, size))
	}
	items := s.free[:n:n]
	s.free = s.free[n:]
	return items
}

// dateTexts keeps the text of the last entry dates written: a batch's
// parcels arrive within a few days, so most find theirs here rather than
// allocate it again.
type dateTexts struct {
	dates [4]decide.Date
	texts [4]string
	next  int
}

// text returns d.String(), from the kept ones when it is there.
func (t *dateTexts) text(d decide.Date) string {
	for i, kept := range t.dates {
		if kept == d && t.texts[i] != "" {
			return t.texts[i]
		}
	}
	text := d.String()
	t.dates[t.next], t.texts[t.next] = d, text
	t.next = (t.next + 1) % len(t.dates)
	return text
}
