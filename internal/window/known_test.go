package window

import (
	"strconv"
	"testing"
)

// subjectOfRecords returns a subject held whole with n parcels.
func subjectOfRecords(n int) *subject {
	s := &subject{}
	for i := range n {
		s.parcels.set("P-"+strconv.Itoa(i), parcelRecord{seq: int64(i + 1)})
	}
	return s
}

// heldRecords counts the subjects and records the cache holds.
func heldRecords(k *knownSubjects) (subjects, records int) {
	for _, m := range []map[string]*subject{k.recent, k.older} {
		for _, s := range m {
			subjects++
			records += s.records()
		}
	}
	return subjects, records
}

// What the process holds whole is bounded in records as well as in
// subjects: large subjects do not make it hold more memory than small
// ones.
func TestKnownSubjectsAreBoundedInRecords(t *testing.T) {
	for _, size := range []int{1, 4, knownMaxParcels} {
		k := newKnownSubjects()
		sub := subjectOfRecords(size)
		for i := range 4 * max(knownMaxSubjects, knownMaxRecords) {
			k.release("s:"+strconv.Itoa(i), sub)
		}
		subjects, records := heldRecords(k)
		if subjects > 2*knownMaxSubjects {
			t.Errorf("subjects of %d parcels: %d held, more than %d", size, subjects, 2*knownMaxSubjects)
		}
		if records > 2*knownMaxRecords+size {
			t.Errorf("subjects of %d parcels: %d records held, more than %d", size, records, 2*knownMaxRecords+size)
		}
		if subjects == 0 {
			t.Errorf("subjects of %d parcels: none held", size)
		}
		// Taking a subject back takes its records out of the count, so
		// one taken and put back again and again never fills the cache.
		k = newKnownSubjects()
		k.release("again", sub)
		for range 4*knownMaxRecords + 3 {
			s, _ := k.takeLocked("again")
			k.release("again", s)
		}
		if len(k.older) != 0 || k.recentRecords != size {
			t.Errorf("subjects of %d parcels: %d records counted and %d subjects dropped after one subject put back many times, want %d and 0",
				size, k.recentRecords, len(k.older), size)
		}
	}
}

// A key written but not held whole is remembered as existing, and a key
// held whole, once taken back; a key never written is not (seenKeys:
// TestSeenKeys).
func TestKnownSubjectsRememberTheKeysSeen(t *testing.T) {
	k := newKnownSubjects()
	k.release("written", nil)
	if _, seen := k.takeLocked("written"); !seen {
		t.Error("a key put back not held whole is not remembered")
	}
	k.release("held", subjectOfRecords(1))
	if s, _ := k.takeLocked("held"); s == nil {
		t.Fatal("a subject put back whole is not held")
	}
	if s, seen := k.takeLocked("held"); s != nil || !seen {
		t.Errorf("a subject taken back: held %v, remembered %v; want not held, remembered", s != nil, seen)
	}
	if _, seen := k.takeLocked("never"); seen {
		t.Error("a key never put back is remembered")
	}
	// A subject held whole until it is dropped, to hold later ones, is
	// remembered as existing.
	k.release("dropped", subjectOfRecords(1))
	for i := range 2 * knownMaxSubjects {
		k.release("s:"+strconv.Itoa(i), subjectOfRecords(1))
	}
	if s, seen := k.takeLocked("dropped"); s != nil || !seen {
		t.Errorf("a subject dropped: held %v, remembered %v; want not held, remembered", s != nil, seen)
	}
}
