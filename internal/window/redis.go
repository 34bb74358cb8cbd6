package window

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counting in Redis takes one pipelined round trip for a batch whose
// subjects this process holds whole or takes to be new, one more for the
// others, and one more when an alert lists parcels this process has not
// seen:
//
//  0. hold: the batch takes its subjects from knownSubjects, waiting for
//     those another batch of this process holds (no round trip);
//  1. read: one HMGET per subject neither held whole nor taken to be new,
//     of its figures and of the records of the parcels, events and
//     members its ops name;
//  2. write: the rules are applied in Go, and every subject that changed
//     is written back only while its version is still the one held or
//     read (compare and set): a new one by RESTORE, which creates a key
//     only where there is none (dump.go), any other by casScript. A subject
//     another processor changed in between is read again and its ops
//     applied again, until its write goes through; only those ops are
//     retried;
//  3. entries: an alert lists its subject's first parcels, which are
//     written once and never change, so a process caches them and reads
//     from Redis only those it has not seen (entryCache).
//
// A write whose answer was lost (a timeout, a retry by go-redis) finds
// the version moved on; the subject is read again, and the ops it has
// already applied answer as duplicates. Nothing is counted twice.

// casScript writes subjects back, each only while its version is the one
// the caller read. ARGV[1] is the time to live in milliseconds; then for
// each key of KEYS: the version read, 1 to (re)set the key's expiry or 0,
// the number of field-value pairs, and the pairs (the new version among
// them). It answers 1 for each key written and 0 for each key whose
// version had moved (nothing written).
var casScript = redis.NewScript(casSource)

const casSource = `
local ttl = ARGV[1]
local written = {}
local a = 2
for i = 1, #KEYS do
  local read, expire, pairs = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local first, last = a + 3, a + 2 + 2 * pairs
  if (redis.call('HGET', KEYS[i], 'v') or '0') == read then
    for from = first, last, 1000 do
      redis.call('HSET', KEYS[i], unpack(ARGV, from, math.min(from + 999, last)))
    end
    if expire == '1' then
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
    written[i] = 1
  else
    written[i] = 0
  end
  a = last + 1
end
return written
`

// The fields of a subject's figures, in the order load reads them.
var figureFields = [...]string{"v", "o", "n", "total", "scale", "gift_total", "alert_from", "nm", "d"}

// maxAttempts bounds how often one subject is read and written again
// because another processor changed it in between, within one Apply.
// The first time a subject loses it is read again at once (the other
// writer is done); from the second time on the store waits a random while
// of up to maxBackoff, doubling from a millisecond, so that processors
// that keep meeting on one subject take turns.
const (
	maxAttempts = 32
	maxBackoff  = 64 * time.Millisecond
)

// keysPerCall bounds the subjects of one casScript call: enough to spread
// the cost of a call, few enough that one call holds a single-threaded
// Redis for well under a millisecond.
const keysPerCall = 64

// redisSubject is a subject loaded from Redis: its key, the ops of the
// batch that count toward it (indexes, in order), and the figures read.
type redisSubject struct {
	key string
	ops []int
	// firstOp backs ops while the subject has one op, as most have.
	firstOp [1]int
	s       *subject
	loaded  subject // the figures as read, to write only those that changed
	// spansDays is set for an order, the one subject whose ops have
	// several entry dates (see appendWrite).
	spansDays bool
	// whole is set while s holds all of the subject, not only the records
	// its ops name (see knownSubjects); guessed while s is a guess not yet
	// checked by a write (taken from known, or taken to be new).
	whole, guessed bool
	// version is the version the last write sent gave the subject.
	version int64
	// held is set while this batch holds the subject (knownSubjects.hold)
	// and must hand it on; seen, when it was not held whole but written
	// lately, so that it exists.
	held, seen bool
}

func (s *Store) applyRedis(ctx context.Context, ops []Op) ([]Result, error) {
	// The batch's subjects, in the order they first appear, in one
	// allocation: a batch has at most as many as ops.
	byKey := make(map[string]*redisSubject, len(ops))
	subjects := make([]*redisSubject, 0, len(ops))
	all := make([]redisSubject, 0, len(ops))
	for i := range ops {
		key := s.Key(&ops[i])
		rs := byKey[key]
		if rs == nil {
			all = append(all, redisSubject{key: key, spansDays: ops[i].Scope == ScopeOrder})
			rs = &all[len(all)-1]
			rs.ops = rs.firstOp[:0]
			byKey[key] = rs
			subjects = append(subjects, rs)
		}
		rs.ops = append(rs.ops, i)
	}
	results := make([]Result, len(ops))
	// The batch holds each of its subjects while it counts toward it: a
	// subject another batch of this process holds is waited for, and
	// handed over as that batch leaves it, so that the partitions of one
	// processor never race each other for a subject (only other
	// processors do). The subjects held at once are counted first and
	// handed on as soon as they are written; those waited for after.
	now, waits := s.known.hold(subjects)
	defer func() {
		// Whatever this batch did not hand on (an error ended it), the
		// next batch reads; it gives up its places in the queues.
		s.known.abandon(waits)
		for _, rs := range subjects {
			if rs.held {
				s.known.release(rs.key, nil)
			}
		}
	}()
	if err := s.count(ctx, ops, now, results); err != nil {
		return nil, err
	}
	if len(waits) == 0 {
		return results, nil
	}
	if err := s.known.await(ctx, waits); err != nil {
		return nil, err
	}
	waited := make([]*redisSubject, len(waits))
	for i, w := range waits {
		waited[i] = w.rs
	}
	if err := s.count(ctx, ops, waited, results); err != nil {
		return nil, err
	}
	return results, nil
}

// count applies the ops of subjects, which the batch holds, writes them
// back, fills the alerts' parcels, and hands the subjects on.
func (s *Store) count(ctx context.Context, ops []Op, subjects []*redisSubject, results []Result) error {
	if len(subjects) == 0 {
		return nil
	}
	// The first attempt reads nothing: a subject this process holds whole
	// (it created it, or wrote every version since) is used as held, and
	// any other not seen lately is taken to be new. Either guess is
	// checked by the write, which goes through only while the version is
	// the one guessed; a subject whose guess was wrong, or whose answer
	// the write would not check (nothing to write, and not every op a
	// duplicate), is read.
	var read []*redisSubject
	for _, rs := range subjects {
		switch {
		case rs.s != nil:
			rs.whole, rs.guessed = true, true
			rs.loaded = *rs.s
		case rs.seen:
			// Written lately, but not held whole here (it is large, or
			// another processor wrote it): it exists, so read it.
			read = append(read, rs)
		default:
			rs.s, rs.whole, rs.guessed = newTracked(writeState{firstSeq: 1, changed: changes{created: true}}), true, true
			rs.loaded = *rs.s
		}
	}
	if err := s.load(ctx, ops, read); err != nil {
		return err
	}
	pending := subjects
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > maxAttempts {
			return fmt.Errorf("%d subjects changed by other processors %d times in a row", len(pending), maxAttempts)
		}
		if attempt > 1 {
			read = read[:0]
			for _, rs := range pending {
				// A subject taken to be new that exists is no conflict;
				// one read, or held here, that another wrote since is.
				if !rs.guessed || rs.loaded.version != 0 {
					s.conflicts.Add(1)
				}
				rs.guessed = false
				read = append(read, rs)
			}
			if attempt > 3 {
				// Lost twice in a row after a read: another processor
				// keeps writing the same subjects; wait, so that the two
				// take turns.
				wait := time.Duration(rand.Int64N(int64(min(maxBackoff, time.Millisecond<<(attempt-4))) + 1))
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err := s.load(ctx, ops, read); err != nil {
				return err
			}
		}
		var changed, unchecked []*redisSubject
		var ids idCopies
		for _, rs := range pending {
			allDuplicates := true
			for _, i := range rs.ops {
				results[i] = rs.s.apply(&ops[i], &ids)
				allDuplicates = allDuplicates && results[i].Duplicate
			}
			if rs.s.alertFrom > 0 && rs.s.epoch == 0 {
				// Only a subject with an alert has its entries cached, so
				// only such a subject needs an epoch.
				rs.s.epoch = rand.Int64N(1<<53) + 1
			}
			switch {
			case rs.s.write.changed.any():
				changed = append(changed, rs)
			case rs.guessed && !allDuplicates:
				// A duplicate's first answer never changes, whatever
				// another processor did since; any other answer from a
				// guess must be read to be trusted.
				unchecked = append(unchecked, rs)
			}
		}
		lost, err := s.commit(ctx, changed)
		if err != nil {
			return err
		}
		pending = append(lost, unchecked...)
	}
	if err := s.fillEntries(ctx, subjects, results); err != nil {
		return err
	}
	// Only now, when nothing of this batch reads them any more, may another
	// batch take the subjects.
	for _, rs := range subjects {
		s.keep(rs)
	}
	return nil
}

// newTracked returns a subject whose changes are written back, starting
// from write: the two in one allocation.
func newTracked(write writeState) *subject {
	tracked := &struct {
		subject
		write writeState
	}{write: write}
	tracked.subject.write = &tracked.write
	return &tracked.subject
}

// load reads the subjects, in one pipelined round trip.
func (s *Store) load(ctx context.Context, ops []Op, subjects []*redisSubject) error {
	cmds := make([]*redis.SliceCmd, len(subjects))
	fields := make([][]string, len(subjects))
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for j, rs := range subjects {
			f := make([]string, len(figureFields), len(figureFields)+2*len(rs.ops))
			copy(f, figureFields[:])
			for _, i := range rs.ops {
				op := &ops[i]
				f = append(f, "p:"+op.ParcelID)
				if op.Kind == KindAmend || op.Kind == KindCancel {
					f = append(f, "e:"+op.eventID())
				}
				if op.MinMembers > 0 && op.Member != "" {
					f = append(f, memberField(op.Member))
				}
			}
			fields[j] = f
			// The key and fields go to go-redis as *string, unboxed (see
			// argText).
			args := make([]any, 0, 2+len(f))
			args = append(args, "hmget", &rs.key)
			for k := range f {
				args = append(args, &f[k])
			}
			cmds[j] = redis.NewSliceCmd(ctx, args...)
			if err := pipe.Process(ctx, cmds[j]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read subjects: %w", err)
	}
	for j, rs := range subjects {
		sub, err := readSubject(fields[j], cmds[j].Val(), ops, rs.ops)
		if err != nil {
			return fmt.Errorf("read subject %s: %w", rs.key, err)
		}
		// A subject that does not exist yet is read whole.
		rs.s, rs.loaded, rs.whole = sub, *sub, sub.version == 0
	}
	return nil
}

// keep hands a subject this batch is done with on: whole, at the version
// its write gave it, when this process holds it whole, else to be read.
func (s *Store) keep(rs *redisSubject) {
	rs.held = false
	if !rs.whole || rs.s.n > knownMaxParcels {
		s.known.release(rs.key, nil)
		return
	}
	w := rs.s.write
	if w.changed.any() {
		rs.s.version = rs.version
	}
	w.changed = changes{}
	w.entriesWritten = len(w.entries)
	s.known.release(rs.key, rs.s)
}

// readSubject builds a subject from an HMGET of fields.
func readSubject(fields []string, values []any, ops []Op, opIndexes []int) (*subject, error) {
	if len(values) != len(fields) {
		return nil, fmt.Errorf("%d values for %d fields", len(values), len(fields))
	}
	var figures [len(figureFields)]int64
	for i := range figureFields {
		text, _ := values[i].(string)
		if text == "" {
			continue
		}
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", figureFields[i], err)
		}
		figures[i] = v
	}
	sub := newTracked(writeState{firstSeq: figures[2] + 1, changed: changes{created: figures[0] == 0}})
	sub.version, sub.epoch, sub.n, sub.total, sub.scale = figures[0], figures[1], figures[2], figures[3], int32(figures[4])
	sub.giftTotal, sub.alertFrom, sub.members, sub.day = figures[5], figures[6], figures[7], figures[8]
	k := len(figureFields)
	for _, i := range opIndexes {
		op := &ops[i]
		text, _ := values[k].(string)
		k++
		if text != "" {
			rec, err := parseParcelRecord(text)
			if err != nil {
				return nil, fmt.Errorf("field p:%s: %w", op.ParcelID, err)
			}
			sub.parcels.set(op.ParcelID, *rec)
		}
		if op.Kind == KindAmend || op.Kind == KindCancel {
			text, _ := values[k].(string)
			k++
			if text != "" {
				rec, err := parseEventRecord(text)
				if err != nil {
					return nil, fmt.Errorf("field e:%s: %w", op.eventID(), err)
				}
				if sub.events == nil {
					sub.events = new(smallMap[eventRecord])
				}
				sub.events.set(op.eventID(), *rec)
			}
		}
		if op.MinMembers > 0 && op.Member != "" {
			if values[k] != nil {
				if sub.memberSeen == nil {
					sub.memberSeen = new(smallMap[struct{}])
				}
				sub.memberSeen.set(memberName(op.Member), struct{}{})
			}
			k++
		}
	}
	return sub, nil
}

// commit writes the changed subjects back, in one pipelined round trip,
// and returns those whose version had moved (not written). A subject
// that does not exist where it is written (taken to be new, or read and
// found not to exist) is created by RESTORE, which refuses a key that
// exists; any other subject is written by casScript.
func (s *Store) commit(ctx context.Context, subjects []*redisSubject) ([]*redisSubject, error) {
	if len(subjects) == 0 {
		return nil, nil
	}
	var (
		created  []*redisSubject
		scripted []*redisSubject
		text     argText
		pairs    [][]byte
		lp       []byte
		dumps    argText // the payloads, back to back
	)
	// Room for most payloads (a new recipient's day of one parcel takes
	// 138 bytes in BenchmarkHashDump), so that the buffer seldom grows.
	dumps.buf = make([]byte, 0, 192*len(subjects))
	for _, rs := range subjects {
		if rs.loaded.version != 0 || s.restoreRefused.Load() {
			scripted = append(scripted, rs)
			continue
		}
		text.reset()
		writeSubject(&text, rs)
		pairs = text.slices(pairs[:0], 3)
		var ok bool
		if dumps.buf, lp, ok = appendHashDump(dumps.buf, lp, pairs); !ok {
			scripted = append(scripted, rs)
			continue
		}
		dumps.end()
		created = append(created, rs)
	}
	calls := s.planCalls(scripted)
	ttl := strconv.FormatInt(s.ttl.Milliseconds(), 10)
	// RESTORE's arguments go to go-redis as *string, unboxed (see argText).
	payloads := dumps.strings()
	restores := make([]*redis.StatusCmd, len(created))
	scripts := make([]*redis.Cmd, len(calls))
	send := func(pipe redis.Pipeliner, c int, cached bool) error {
		var text argText
		text.str(ttl)
		for _, rs := range calls[c] {
			writeSubject(&text, rs)
		}
		args := make([]any, 0, 3+len(calls[c])+text.len())
		if cached {
			args = append(args, "evalsha", casScript.Hash(), len(calls[c]))
		} else {
			args = append(args, "eval", casSource, len(calls[c]))
		}
		for _, rs := range calls[c] {
			args = append(args, rs.key)
		}
		scripts[c] = redis.NewCmd(ctx, text.appendTo(args)...)
		return pipe.Process(ctx, scripts[c])
	}
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for j, rs := range created {
			restores[j] = redis.NewStatusCmd(ctx, "restore", &rs.key, &ttl, &payloads[j])
			if err := pipe.Process(ctx, restores[j]); err != nil {
				return err
			}
		}
		for c := range calls {
			if err := send(pipe, c, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !isServerError(err) {
		return nil, fmt.Errorf("write subjects: %w", err)
	}
	// The script cache was flushed (or Redis restarted): send the script
	// itself. A call that went through the first time finds its versions
	// moved, and its subjects are read again.
	var unknown []int
	for c, cmd := range scripts {
		if isNoScript(cmd.Err()) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, c := range unknown {
				if err := send(pipe, c, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && !isServerError(err) {
			return nil, fmt.Errorf("write subjects: %w", err)
		}
	}
	var lost, refused []*redisSubject
	for j, rs := range created {
		switch err := restores[j].Err(); {
		case err == nil:
			s.createdByRestore.Add(1)
		case isBusyKey(err):
			lost = append(lost, rs)
		case restoreRefusedBy(err):
			// A Redis before 7.0, or one that does not allow RESTORE:
			// from now on new subjects are written by the script.
			s.restoreRefused.Store(true)
			refused = append(refused, rs)
		default:
			// Anything else (out of memory, a read-only replica, a
			// connection lost) fails the batch, which is retried whole.
			return nil, fmt.Errorf("write subjects: %w", err)
		}
	}
	for c, call := range calls {
		if err := scripts[c].Err(); err != nil {
			return nil, fmt.Errorf("write subjects: %w", err)
		}
		written, ok := scripts[c].Val().([]any)
		if !ok || len(written) != len(call) {
			return nil, fmt.Errorf("write subjects: unexpected reply %v", scripts[c].Val())
		}
		for j, rs := range call {
			switch n, _ := written[j].(int64); {
			case n != 1:
				lost = append(lost, rs)
			case rs.loaded.version == 0:
				s.createdByScript.Add(1)
			}
		}
	}
	if len(refused) > 0 {
		more, err := s.commit(ctx, refused)
		if err != nil {
			return nil, err
		}
		lost = append(lost, more...)
	}
	return lost, nil
}

// planCalls groups subjects into script calls: up to keysPerCall a call,
// and on a Redis Cluster only subjects of one hash slot together.
func (s *Store) planCalls(subjects []*redisSubject) [][]*redisSubject {
	var calls [][]*redisSubject
	if _, cluster := s.rdb.(*redis.ClusterClient); !cluster {
		for start := 0; start < len(subjects); start += keysPerCall {
			calls = append(calls, subjects[start:min(start+keysPerCall, len(subjects))])
		}
		return calls
	}
	bySlot := map[uint16][]*redisSubject{}
	var slots []uint16
	for _, rs := range subjects {
		slot := hashSlot(hashTag(rs.key))
		if _, ok := bySlot[slot]; !ok {
			slots = append(slots, slot)
		}
		bySlot[slot] = append(bySlot[slot], rs)
	}
	for _, slot := range slots {
		group := bySlot[slot]
		for start := 0; start < len(group); start += keysPerCall {
			calls = append(calls, group[start:min(start+keysPerCall, len(group))])
		}
	}
	return calls
}

// hashTag is the part of key between its first { and the } after it.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// writeSubject writes a subject's part of a casScript call: the version
// read, whether to set the key's expiry, the number of pairs, and the
// fields that changed. A key's expiry is set when it is created and, for
// an order, renewed when it counts a newer entry date than before: one
// PEXPIRE per recipient's or address's day, rather than one per write.
// Only an order keeps its newest entry date (d), and only a subject with
// an alert its epoch (o): the fewer fields a write carries, the less it
// costs Redis.
func writeSubject(text *argText, rs *redisSubject) {
	sub, was, w := rs.s, &rs.loaded, rs.s.write
	expire := "0"
	if w.changed.created || (rs.spansDays && sub.day > was.day) {
		expire = "1"
	}
	// A new key's version starts anywhere, so that a key that expired and
	// was created again never takes up a version of its former life: a
	// process that held the former life whole must not write over the
	// new one.
	rs.version = was.version + 1
	if was.version == 0 {
		rs.version = rand.Int64N(1<<62) + 1
	}
	// The figures that changed, the version first.
	var figures [9]struct {
		field string
		value int64
	}
	n := 0
	figure := func(field string, now, was int64) {
		if now != was {
			figures[n].field, figures[n].value = field, now
			n++
		}
	}
	figure("v", rs.version, was.version)
	figure("o", sub.epoch, was.epoch)
	figure("n", sub.n, was.n)
	figure("total", sub.total, was.total)
	figure("scale", int64(sub.scale), int64(was.scale))
	figure("gift_total", sub.giftTotal, was.giftTotal)
	figure("alert_from", sub.alertFrom, was.alertFrom)
	figure("nm", sub.members, was.members)
	if rs.spansDays {
		figure("d", sub.day, was.day)
	}
	log := w.changed.log
	if log == nil {
		log = new(changeLog)
	}
	// A parcel or event changed twice in the batch (a parcel and its
	// amend) is logged twice; its field is written once, with its latest
	// record: a hash that RESTORE creates must not hold a field twice.
	parcels, events := withoutRepeats(log.parcels), withoutRepeats(log.events)
	pairs := n + len(parcels) + len(events) + len(log.members) + len(w.entries) - w.entriesWritten
	text.int(was.version)
	text.str(expire)
	text.int(int64(pairs))
	for _, f := range figures[:n] {
		text.str(f.field)
		text.int(f.value)
	}
	for _, id := range parcels {
		rec, _ := sub.parcels.get(id)
		text.field("p:", id)
		text.buf = appendParcelRecord(text.buf, rec)
		text.end()
	}
	for _, id := range events {
		rec, _ := sub.events.get(id)
		text.field("e:", id)
		text.buf = appendEventRecord(text.buf, rec)
		text.end()
	}
	for _, m := range log.members {
		text.field("m:", m) // a memberName already
		text.str("1")
	}
	for i := w.entriesWritten; i < len(w.entries); i++ {
		e := w.entries[i]
		text.buf = strconv.AppendInt(append(text.buf, "l:"...), w.firstSeq+int64(i), 10)
		text.end()
		text.buf = append(append(append(text.buf, e.parcel...), ' '), e.carrier...)
		text.end()
	}
}

// withoutRepeats returns ids without their repeats, in the order they first
// come; ids itself when it has none (the common case, without an
// allocation).
func withoutRepeats(ids []string) []string {
	for i := 1; i < len(ids); i++ {
		if slices.Contains(ids[:i], ids[i]) {
			seen := make(map[string]bool, len(ids))
			out := make([]string, 0, len(ids))
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
			return out
		}
	}
	return ids
}

// argText holds the arguments of one command as text, back to back in
// one buffer, and hands them to go-redis as *string: a few allocations a
// command rather than one or two an argument (go-redis boxes each
// argument in an interface).
type argText struct {
	buf  []byte
	ends []int // where each argument ends in buf
}

func (a *argText) reset()   { a.buf, a.ends = a.buf[:0], a.ends[:0] }
func (a *argText) len() int { return len(a.ends) }
func (a *argText) end()     { a.ends = append(a.ends, len(a.buf)) }

func (a *argText) str(s string) {
	a.buf = append(a.buf, s...)
	a.end()
}

func (a *argText) int(v int64) {
	a.buf = strconv.AppendInt(a.buf, v, 10)
	a.end()
}

// field writes the field prefix+id.
func (a *argText) field(prefix, id string) {
	a.buf = append(append(a.buf, prefix...), id...)
	a.end()
}

// slices appends to dst the arguments from the from-th on, each a slice
// of the buffer, and returns it.
func (a *argText) slices(dst [][]byte, from int) [][]byte {
	start := 0
	if from > 0 {
		start = a.ends[from-1]
	}
	for _, end := range a.ends[from:] {
		dst = append(dst, a.buf[start:end])
		start = end
	}
	return dst
}

// strings returns the arguments as strings, cut from one copy of the
// buffer.
func (a *argText) strings() []string {
	text := string(a.buf)
	strs := make([]string, len(a.ends))
	start := 0
	for i, end := range a.ends {
		strs[i] = text[start:end]
		start = end
	}
	return strs
}

// appendTo appends the arguments to args and returns it.
func (a *argText) appendTo(args []any) []any {
	strs := a.strings()
	for i := range strs {
		args = append(args, &strs[i])
	}
	return args
}

// memberField is the field that marks member as counted: "m:" and its
// first 32 characters (memberName).
func memberField(member string) string {
	return "m:" + memberName(member)
}

func isNoScript(err error) bool { return isServerError(err, "NOSCRIPT") }

// isBusyKey reports RESTORE's refusal of a key that exists.
func isBusyKey(err error) bool { return isServerError(err, "BUSYKEY") }

// restoreRefusedBy reports an error by which Redis refuses RESTORE
// itself, whatever the key: a payload of a newer version or an unknown
// type (a Redis before 7.0), a command the ACL user may not run, or one
// renamed away.
func restoreRefusedBy(err error) bool {
	return isServerError(err, "NOPERM", "ERR unknown command", "ERR DUMP payload", "ERR Bad data format")
}

// isServerError reports an error Redis answered, as against one of the
// connection (a timeout, a closed connection), after which the replies
// of a pipeline are not known; given prefixes, only one whose message
// begins with one of them (Redis has no codes but its messages).
func isServerError(err error, prefixes ...string) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	if len(prefixes) == 0 {
		return true
	}
	for _, prefix := range prefixes {
		if strings.HasPrefix(rerr.Error(), prefix) {
			return true
		}
	}
	return false
}

// fillEntries gives every result with an alert its subject's first
// parcels: from the entries cache, the entries this apply wrote, and for
// the rest one pipelined read.
func (s *Store) fillEntries(ctx context.Context, subjects []*redisSubject, results []Result) error {
	type want struct {
		rs   *redisSubject
		have []entry // the first entries, from seq 1
		need int64   // how many the results ask for
		read *redis.SliceCmd
		from int64 // the seq of the first entry read
	}
	var wants []*want
	for _, rs := range subjects {
		var need int64
		for _, i := range rs.ops {
			if results[i].AlertVersion > 0 {
				need = max(need, min(results[i].Seq, MaxAlertParcels))
			}
		}
		if need > 0 {
			wants = append(wants, &want{rs: rs, need: need, have: s.entries.get(rs.key, rs.s.epoch)})
		}
	}
	if len(wants) == 0 {
		return nil
	}
	// What is neither cached nor written by this apply: the entries from
	// the end of the cache up to those this apply wrote.
	reads := false
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, w := range wants {
			upTo := min(w.need, w.rs.s.write.firstSeq-1)
			w.from = int64(len(w.have)) + 1
			if w.from > upTo {
				continue
			}
			fields := make([]string, 0, upTo-w.from+1)
			for seq := w.from; seq <= upTo; seq++ {
				fields = append(fields, "l:"+strconv.FormatInt(seq, 10))
			}
			w.read = pipe.HMGet(ctx, w.rs.key, fields...)
			reads = true
		}
		if !reads {
			return errNothingToRead
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothingToRead) {
		return fmt.Errorf("read alert parcels: %w", err)
	}
	for _, w := range wants {
		// Appending to a cached slice must never write into its array:
		// other batches read it.
		have := w.have[:len(w.have):len(w.have)]
		if w.read != nil {
			for _, v := range w.read.Val() {
				text, _ := v.(string)
				if text == "" {
					return fmt.Errorf("read alert parcels of %s: entry %d is missing", w.rs.key, int64(len(have))+1)
				}
				parcel, carrier, _ := strings.Cut(text, " ")
				have = append(have, entry{parcel, carrier})
			}
		}
		// The subject's own entries start at its firstSeq; those the
		// cache already has are skipped.
		own := w.rs.s.write
		if skip := int64(len(have)) - (own.firstSeq - 1); skip >= 0 && skip < int64(len(own.entries)) {
			have = append(have, own.entries[skip:]...)
		}
		if int64(len(have)) < w.need {
			return fmt.Errorf("read alert parcels of %s: %d entries of %d", w.rs.key, len(have), w.need)
		}
		s.entries.put(w.rs.key, w.rs.s.epoch, have)
		for _, i := range w.rs.ops {
			if results[i].AlertVersion > 0 {
				setAlertEntries(&results[i], have)
			}
		}
	}
	return nil
}

// errNothingToRead ends a pipeline that queued nothing.
var errNothingToRead = errors.New("nothing to read")

// setAlertEntries lists the first parcels of the subject up to res's.
func setAlertEntries(res *Result, entries []entry) {
	n := min(res.Seq, MaxAlertParcels, int64(len(entries)))
	res.AlertParcels = make([]string, n)
	res.AlertCarriers = make([]string, n)
	for i := range n {
		res.AlertParcels[i], res.AlertCarriers[i] = entries[i].parcel, entries[i].carrier
	}
}

// knownMaxParcels, knownMaxSubjects and knownMaxRecords bound what a
// process holds of the subjects it wrote: subjects of up to 64 parcels,
// the last put back, up to 8,192 subjects or 32,768 records (parcels,
// events, members and alert entries) a generation, two generations; a
// larger or older subject is read, a few fields at a time, like one
// another processor wrote. The bound in records keeps the memory they
// take the same whether a stream's subjects hold one parcel or dozens.
// The last 2,097,152 to 4,194,304 other keys written or read are
// remembered (seenKeys: 10 bits a key, 5 MiB), so that they are read at
// once rather than taken to be new.
const (
	knownMaxParcels  = 64
	knownMaxSubjects = 1 << 13
	knownMaxRecords  = 1 << 15
	knownMaxSeen     = 1 << 21
)

// knownSubjects holds the subjects this process holds whole: those it
// created, and wrote every version of since. A batch holds each of its
// subjects while it works on it, so two batches never share one: a batch
// that needs a subject another holds waits, in the order batches asked,
// and is handed it as the one before leaves it (whole, or to be read).
// One that another processor wrote in the meantime fails its write, is
// read, and is not held whole any more. Nothing here is trusted without a
// write that checks its version, but a duplicate's first answer, which
// never changes.
//
// Batches take all their subjects at once, under one lock, and a batch
// only ever waits for subjects held by batches that took theirs before
// it: the waits never form a cycle.
type knownSubjects struct {
	mu sync.Mutex
	// recent and older hold the subjects put back lately: when recent is
	// full (knownMaxSubjects subjects, or knownMaxRecords records) it
	// becomes older and the one before is dropped. recentRecords counts
	// the records of recent.
	recent, older map[string]*subject
	recentRecords int
	// seen, the keys of subjects written or read lately but not held
	// whole: they exist, and are read rather than taken to be new. A key
	// it finds by mistake (about one other key in a hundred) is only read
	// before it is written.
	seen *seenKeys
	// held has a key for each subject a batch holds, with the batches
	// waiting for it, first come first.
	held map[string][]*subjectWait
}

// subjectWait is a batch waiting for a subject another batch holds.
type subjectWait struct {
	rs *redisSubject
	// handed is closed when the subject is this batch's; the batch
	// before left rs.s (nil: not held whole) and rs.seen.
	handed chan struct{}
}

func newKnownSubjects() *knownSubjects {
	return &knownSubjects{recent: make(map[string]*subject), older: make(map[string]*subject),
		seen: newSeenKeys(knownMaxSeen), held: make(map[string][]*subjectWait)}
}

// hold takes the subjects for one batch: now, those no batch holds,
// with what is known of each (rs.s held whole, or rs.seen); and the
// others as waits, for await.
func (k *knownSubjects) hold(subjects []*redisSubject) (now []*redisSubject, waits []*subjectWait) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now = make([]*redisSubject, 0, len(subjects))
	for _, rs := range subjects {
		if queue, held := k.held[rs.key]; held {
			w := &subjectWait{rs: rs, handed: make(chan struct{})}
			k.held[rs.key] = append(queue, w)
			waits = append(waits, w)
			continue
		}
		k.held[rs.key] = nil
		rs.held = true
		rs.s, rs.seen = k.takeLocked(rs.key)
		now = append(now, rs)
	}
	return now, waits
}

// await waits until every subject of waits is handed over, or ctx ends.
func (k *knownSubjects) await(ctx context.Context, waits []*subjectWait) error {
	for _, w := range waits {
		select {
		case <-w.handed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// abandon gives up the places in the queues of the waits not handed over
// yet; the batch holds those that were, and must release them.
func (k *knownSubjects) abandon(waits []*subjectWait) {
	if len(waits) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w.handed:
		default:
			k.held[w.rs.key] = slices.DeleteFunc(k.held[w.rs.key], func(other *subjectWait) bool { return other == w })
		}
	}
}

// release ends a batch's hold on the subject of key: sub is the subject
// held whole, or nil when it must be read. The first batch waiting for it
// is handed it; with none, it is kept for the next batch to take.
func (k *knownSubjects) release(key string, sub *subject) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if queue := k.held[key]; len(queue) > 0 {
		next := queue[0]
		k.held[key] = queue[1:]
		next.rs.held = true
		next.rs.s, next.rs.seen = sub, true
		close(next.handed)
		return
	}
	delete(k.held, key)
	if sub != nil {
		if len(k.recent) >= knownMaxSubjects || k.recentRecords >= knownMaxRecords {
			// The subjects dropped exist: they are read, not taken to be
			// new, when they come back.
			for dropped := range k.older {
				k.seen.add(dropped)
			}
			k.older, k.recent, k.recentRecords = k.recent, make(map[string]*subject, knownMaxSubjects), 0
		}
		k.recent[key] = sub
		k.recentRecords += sub.records()
		return
	}
	k.seen.add(key)
}

// takeLocked removes and returns the subject of key, or nil and whether
// the key was seen lately.
func (k *knownSubjects) takeLocked(key string) (*subject, bool) {
	sub, ok := k.recent[key]
	if ok {
		k.recentRecords -= sub.records()
	} else {
		sub, ok = k.older[key]
	}
	if ok {
		delete(k.recent, key)
		delete(k.older, key)
		k.seen.add(key)
		return sub, true
	}
	return nil, k.seen.has(key)
}

// entryCacheSize bounds the entries a process caches: 32 bytes each, with
// the text of those read from Redis (docs/performance.md#memory).
const entryCacheSize = 1 << 18

// entryCache keeps the first parcels of subjects with an alert. A
// subject's entries are written once, with its count, and never change
// for as long as the key lives; the epoch tells a key from one that
// expired and was created again.
type entryCache struct {
	mu       sync.Mutex
	subjects map[string]cachedEntries
	size     int // entries held
	limit    int
}

type cachedEntries struct {
	epoch   int64
	entries []entry
}

func newEntryCache(limit int) *entryCache {
	return &entryCache{subjects: map[string]cachedEntries{}, limit: limit}
}

// get returns the cached first entries of key in its epoch, or nil.
func (c *entryCache) get(key string, epoch int64) []entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if got, ok := c.subjects[key]; ok && got.epoch == epoch {
		return got.entries
	}
	return nil
}

// put caches entries, when they are more than cached; past the limit it
// starts again from empty.
func (c *entryCache) put(key string, epoch int64, entries []entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.subjects[key]
	if ok && old.epoch == epoch && len(old.entries) >= len(entries) {
		return
	}
	if c.size+len(entries) > c.limit {
		clear(c.subjects)
		c.size = 0
	}
	c.size += len(entries) - len(old.entries)
	c.subjects[key] = cachedEntries{epoch: epoch, entries: entries}
}

// A parcel's record as Redis keeps it, separated by spaces: its first
// answer (seq, total, scale, alert version, gift total), then its state
// (value, gift 0|1, a|c for active or cancelled, c|f for the outcome
// cleared or formal, the latest event id or - for the parcel's own, and
// last the carrier, which may itself hold spaces). Only Go reads it.
func appendParcelRecord(dst []byte, r *parcelRecord) []byte {
	dst = strconv.AppendInt(dst, r.seq, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.total, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.scale), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.alert, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.giftTotal, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.value, 10)
	dst = append(dst, ' ', flag(r.gift, '1', '0'), ' ', flag(r.cancelled, 'c', 'a'), ' ', flag(r.outcome == OutcomeCleared, 'c', 'f'), ' ')
	if r.lastEvent == "" {
		dst = append(dst, '-')
	} else {
		dst = append(dst, r.lastEvent...)
	}
	dst = append(dst, ' ')
	return append(dst, r.carrier...)
}

func flag(on bool, yes, no byte) byte {
	if on {
		return yes
	}
	return no
}

// parseParcelRecord reads what appendParcelRecord wrote.
func parseParcelRecord(text string) (*parcelRecord, error) {
	var r parcelRecord
	var n [6]int64
	rest := text
	for i := range n {
		var word string
		var ok bool
		word, rest, ok = strings.Cut(rest, " ")
		if !ok {
			return nil, fmt.Errorf("record %q: too few values", text)
		}
		v, err := strconv.ParseInt(word, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("record %q: %w", text, err)
		}
		n[i] = v
	}
	// "g s o event carrier"
	if len(rest) < 7 || rest[1] != ' ' || rest[3] != ' ' || rest[5] != ' ' {
		return nil, fmt.Errorf("record %q: bad state", text)
	}
	r.seq, r.total, r.scale, r.alert, r.giftTotal, r.value = n[0], n[1], int32(n[2]), n[3], n[4], n[5]
	r.gift, r.cancelled = rest[0] == '1', rest[2] == 'c'
	r.outcome = OutcomeFormal
	if rest[4] == 'c' {
		r.outcome = OutcomeCleared
	}
	event, carrier, ok := strings.Cut(rest[6:], " ")
	if !ok {
		return nil, fmt.Errorf("record %q: no carrier", text)
	}
	if event != "-" {
		r.lastEvent = event
	}
	r.carrier = carrier
	return &r, nil
}

// An event's record: total, scale, gift total, the outcome of the decision
// it superseded (c|f), and that decision's event id.
func appendEventRecord(dst []byte, r *eventRecord) []byte {
	dst = strconv.AppendInt(dst, r.total, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.scale), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.giftTotal, 10)
	dst = append(dst, ' ', flag(r.outcome == OutcomeCleared, 'c', 'f'), ' ')
	return append(dst, r.superseded...)
}

func parseEventRecord(text string) (*eventRecord, error) {
	words := strings.Split(text, " ")
	if len(words) != 5 {
		return nil, fmt.Errorf("event record %q: %d values, want 5", text, len(words))
	}
	var n [3]int64
	for i := range n {
		v, err := strconv.ParseInt(words[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("event record %q: %w", text, err)
		}
		n[i] = v
	}
	r := &eventRecord{total: n[0], scale: int32(n[1]), giftTotal: n[2], superseded: words[4], outcome: OutcomeFormal}
	if words[3] == "c" {
		r.outcome = OutcomeCleared
	}
	return r, nil
}
