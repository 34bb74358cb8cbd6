package guarantees

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/testenv"
)

// tester is what the checks need of a test: *testing.T, or a recorder in
// the test of the checks themselves.
type tester interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// source is where an input message was read, as outputs carry it.
type source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

func (s source) String() string { return fmt.Sprintf("%s/%d@%d", s.Topic, s.Partition, s.Offset) }

// decision is the part of decision.v1 the checks read.
type decision struct {
	DecisionID        string   `json:"decision_id"`
	ParcelID          string   `json:"parcel_id"`
	Decision          string   `json:"decision"`
	Reasons           []string `json:"reasons"`
	Regime            string   `json:"regime"`
	ParcelValue       string   `json:"parcel_value"`
	RecipientKey      string   `json:"recipient_key"`
	RecipientDayTotal string   `json:"recipient_day_total"`
	EntryDate         string   `json:"entry_date"`
	EntryType         string   `json:"entry_type"`
	Source            source   `json:"source"`
}

// sameAs reports whether d repeats other's decision: the fields a
// consumer dedupes and acts on, and the recipient and day it was counted
// under. decided_at may differ, and so may source when the parcel was
// re-sent as a new message.
func (d *decision) sameAs(other *decision) bool {
	return d.DecisionID == other.DecisionID && d.Decision == other.Decision &&
		d.RecipientKey == other.RecipientKey && d.EntryDate == other.EntryDate &&
		slices.Equal(d.Reasons, other.Reasons) && d.RecipientDayTotal == other.RecipientDayTotal &&
		d.ParcelValue == other.ParcelValue && d.Regime == other.Regime && d.EntryType == other.EntryType
}

// rejection is the part of rejected.v1 the checks read.
type rejection struct {
	Error     string `json:"error"`
	Source    source `json:"source"`
	Raw       string `json:"raw"`
	RawBase64 bool   `json:"raw_base64"`
	// RawTruncated marks a copy of only the first part of a message too
	// large for the DLQ; RawBytes is then the message's size.
	RawTruncated bool `json:"raw_truncated"`
	RawBytes     int  `json:"raw_bytes"`
}

// copies reports whether r holds value: whole, or its first part with its
// size when truncated.
func (r *rejection) copies(value []byte) (bool, error) {
	raw, err := r.rawBytes()
	if err != nil {
		return false, err
	}
	if r.RawTruncated {
		return r.RawBytes == len(value) && len(raw) < len(value) && bytes.HasPrefix(value, raw), nil
	}
	return bytes.Equal(raw, value), nil
}

// rawBytes is the rejected message as it was sent.
func (r *rejection) rawBytes() ([]byte, error) {
	if r.RawBase64 {
		return base64.StdEncoding.DecodeString(r.Raw)
	}
	return []byte(r.Raw), nil
}

// alert is the part of alert.v1 the checks read.
type alert struct {
	AlertID         string   `json:"alert_id"`
	Type            string   `json:"type"`
	RecipientKey    string   `json:"recipient_key"`
	EntryDate       string   `json:"entry_date"`
	DayTotal        string   `json:"day_total"`
	ParcelIDs       []string `json:"parcel_ids"`
	TriggerParcelID string   `json:"trigger_parcel_id"`
	Version         int64    `json:"version"`
}

// parcelKey is one parcel as the day totals count it: a parcel id within
// one recipient's entry date. The same id under another recipient or day
// is another parcel (docs/guarantees.md).
type parcelKey struct{ recipientKey, entryDate, parcelID string }

// dayKey is one recipient's entry date.
type dayKey struct{ recipientKey, entryDate string }

// redisKey is the day's hash in Redis (internal/window's key layout).
func (k dayKey) redisKey() string {
	return keyPrefix + ":{" + k.recipientKey + "}:" + k.entryDate
}

// figures are what checkGuarantees counted, for the test log and
// docs/guarantees.md.
type figures struct {
	Inputs     int // messages on the input topic
	Decisions  int // decision.v1 messages published
	Rejections int // rejected.v1 messages published
	// RedeliveredDecisions and RedeliveredRejections count outputs for an
	// input message (one source) that already had one: the at-least-once
	// price of a crash, an outage or a rebalance.
	RedeliveredDecisions  int
	RedeliveredRejections int
	// Parcels is the number of distinct parcels decided; ParcelsDecidedTwice
	// those with more than one decision (redeliveries and re-sent copies).
	Parcels             int
	ParcelsDecidedTwice int
	// Alerts is alert messages published; AlertsRepublished those repeating
	// an (alert_id, version) already published.
	Alerts            int
	AlertsRepublished int
	// Days is the number of recipient days in Redis.
	Days int
}

func (f figures) String() string {
	return fmt.Sprintf("inputs %d, decisions %d (%d redelivered), rejections %d (%d redelivered), "+
		"parcels %d (%d decided more than once), alerts %d (%d republished), recipient days %d",
		f.Inputs, f.Decisions, f.RedeliveredDecisions, f.Rejections, f.RedeliveredRejections,
		f.Parcels, f.ParcelsDecidedTwice, f.Alerts, f.AlertsRepublished, f.Days)
}

// maxErrors bounds how many failures of one kind a check reports.
const maxErrors = 10

// checkGuarantees reads the whole input topic, every output topic and
// every day total in Redis, once the group has caught up, and checks:
//
//  1. every input message has an output: a valid one at least one
//     decision and no rejection, an invalid one a rejection (holding the
//     message as sent, or its first part when marked truncated) and no
//     decision;
//  2. a parcel decided more than once got the identical decision each
//     time (decision_id, decision, reasons, recipient_day_total, ...);
//  3. every day total in Redis equals the sum of parcel_value over the
//     distinct parcels decided for that recipient and day, and Redis
//     holds no other day; the highest recipient_day_total published for
//     the day is that sum;
//  4. within one input partition, the day totals of one recipient's day
//     never go down with the offset (per-partition order);
//  5. alert versions published more than once are identical, and each
//     split_shipment version carries its trigger parcel's day total.
func checkGuarantees(t tester, c *cluster) figures {
	t.Helper()
	var f figures
	errorf := limitedErrorf(t)

	// The input, by source, with what must become of each message.
	inputs := map[source][]byte{}
	wants := map[source]outcome{}
	for _, rec := range c.readAll(inputTopic) {
		src := source{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset}
		inputs[src] = rec.Value
		want, ok := c.sent.want[string(rec.Value)]
		if !ok {
			errorf("input", "%s: a message the test did not send (%d bytes)", src, len(rec.Value))
		}
		wants[src] = want
	}
	f.Inputs = len(inputs)

	decisionsBySource := map[source][]*decision{}
	for _, topic := range []string{clearedTopic, formalTopic} {
		wantDecision := "cleared"
		if topic == formalTopic {
			wantDecision = "formal_entry_required"
		}
		for _, rec := range c.readAll(topic) {
			d := &decision{}
			if err := json.Unmarshal(rec.Value, d); err != nil {
				t.Fatalf("%s/%d@%d: not a decision: %v", rec.Topic, rec.Partition, rec.Offset, err)
			}
			if d.Decision != wantDecision {
				errorf("topic", "decision %q published on %s", d.Decision, topic)
			}
			decisionsBySource[d.Source] = append(decisionsBySource[d.Source], d)
			f.Decisions++
		}
	}
	rejectionsBySource := map[source][]*rejection{}
	for _, rec := range c.readAll(dlqTopic) {
		r := &rejection{}
		if err := json.Unmarshal(rec.Value, r); err != nil {
			t.Fatalf("%s/%d@%d: not a rejection: %v", rec.Topic, rec.Partition, rec.Offset, err)
		}
		rejectionsBySource[r.Source] = append(rejectionsBySource[r.Source], r)
		f.Rejections++
	}

	// 1. Every input message has its output, and nothing else does.
	for src, value := range inputs {
		ds, rs := decisionsBySource[src], rejectionsBySource[src]
		if len(ds) > 1 {
			f.RedeliveredDecisions += len(ds) - 1
		}
		if len(rs) > 1 {
			f.RedeliveredRejections += len(rs) - 1
		}
		switch want := wants[src]; {
		case want == mustDecide && len(ds) == 0:
			reason := "no output"
			if len(rs) > 0 {
				reason = "rejected: " + rs[0].Error
			}
			errorf("lost", "%s: valid message not decided (%s)", src, reason)
		case want == mustReject && len(rs) == 0:
			errorf("lost", "%s: invalid message not in the DLQ (%d decisions)", src, len(ds))
		case len(ds) == 0 && len(rs) == 0:
			errorf("lost", "%s: no output at all", src)
		case len(ds) > 0 && len(rs) > 0:
			errorf("both", "%s: decided and rejected (%s)", src, rs[0].Error)
		}
		for _, r := range rs {
			if ok, err := r.copies(value); !ok {
				errorf("raw", "%s: the DLQ copy is not the message as sent, nor its first part (%d bytes of raw, truncated %v, raw_bytes %d, message %d bytes; %v)",
					src, len(r.Raw), r.RawTruncated, r.RawBytes, len(value), err)
			}
		}
	}
	for src := range decisionsBySource {
		if _, ok := inputs[src]; !ok {
			errorf("phantom", "decision for %s, which is no input message", src)
		}
	}
	for src := range rejectionsBySource {
		if _, ok := inputs[src]; !ok {
			errorf("phantom", "rejection for %s, which is no input message", src)
		}
	}

	// 2. One parcel, one decision, however often it is published: the
	// same parcel id gets the same recipient, day and decision each time.
	// first is each parcel's decision of its lowest offset, by the key the
	// day totals count it under.
	first := map[parcelKey]*decision{}
	byParcel := map[string]*decision{}
	count := map[string]int{}
	for _, ds := range decisionsBySource {
		for _, d := range ds {
			count[d.ParcelID]++
			if prev, ok := byParcel[d.ParcelID]; !ok {
				byParcel[d.ParcelID] = d
			} else if !d.sameAs(prev) {
				errorf("differs", "parcel %s: decided differently: %+v and %+v", d.ParcelID, *prev, *d)
			}
			key := parcelKey{d.RecipientKey, d.EntryDate, d.ParcelID}
			if prev, ok := first[key]; !ok || d.Source.Offset < prev.Source.Offset {
				first[key] = d
			}
		}
	}
	f.Parcels = len(byParcel)
	for _, n := range count {
		if n > 1 {
			f.ParcelsDecidedTwice++
		}
	}

	// 3. Day totals: Redis against the distinct parcels decided.
	type day struct {
		cents, parcels, highestCents int64
	}
	days := map[dayKey]*day{}
	for key, d := range first {
		dk := dayKey{key.recipientKey, key.entryDate}
		if days[dk] == nil {
			days[dk] = &day{}
		}
		days[dk].cents += cents(t, d.ParcelValue)
		days[dk].parcels++
	}
	for _, ds := range decisionsBySource {
		for _, d := range ds {
			dd := days[dayKey{d.RecipientKey, d.EntryDate}]
			dd.highestCents = max(dd.highestCents, cents(t, d.RecipientDayTotal))
		}
	}
	stored := redisDays(t, c.redis)
	f.Days = len(stored)
	for dk, want := range days {
		got, ok := stored[dk.redisKey()]
		switch {
		case !ok:
			errorf("total", "%s: no day total in Redis for %d decided parcels", dk.redisKey(), want.parcels)
		case got.total != want.cents || got.parcels != want.parcels:
			errorf("total", "%s: Redis holds %d cents over %d parcels; the distinct parcels decided sum to %d cents over %d; counted here but not decided here: %s",
				dk.redisKey(), got.total, got.parcels, want.cents, want.parcels, strays(t, c, dk, first, byParcel))
		}
		if want.highestCents != want.cents {
			errorf("total", "%s: highest recipient_day_total published is %d cents, the day's parcels sum to %d",
				dk.redisKey(), want.highestCents, want.cents)
		}
	}
	decidedDays := make(map[string]bool, len(days))
	for dk := range days {
		decidedDays[dk.redisKey()] = true
	}
	for key := range stored {
		if !decidedDays[key] {
			errorf("total", "%s: a day total in Redis without any decision; counted here: %s", key, strays(t, c, parseDayKey(key), first, byParcel))
		}
	}

	// 4. Per-partition order: one recipient's day, as seen from one input
	// partition, only ever grows with the offset.
	type lane struct {
		day       dayKey
		partition int
	}
	lanes := map[lane][]*decision{}
	for key, d := range first {
		l := lane{dayKey{key.recipientKey, key.entryDate}, d.Source.Partition}
		lanes[l] = append(lanes[l], d)
	}
	for l, ds := range lanes {
		slices.SortFunc(ds, func(a, b *decision) int { return int(a.Source.Offset - b.Source.Offset) })
		for i := 1; i < len(ds); i++ {
			if cents(t, ds[i].RecipientDayTotal) < cents(t, ds[i-1].RecipientDayTotal) {
				errorf("order", "%s partition %d: parcel at offset %d has day total %s after offset %d had %s",
					l.day.redisKey(), l.partition, ds[i].Source.Offset, ds[i].RecipientDayTotal, ds[i-1].Source.Offset, ds[i-1].RecipientDayTotal)
			}
		}
	}

	// 5. Alerts: a republished version repeats the first.
	type version struct {
		id string
		v  int64
	}
	versions := map[version]*alert{}
	for _, rec := range c.readAll(alertsTopic) {
		a := &alert{}
		if err := json.Unmarshal(rec.Value, a); err != nil {
			t.Fatalf("%s/%d@%d: not an alert: %v", rec.Topic, rec.Partition, rec.Offset, err)
		}
		f.Alerts++
		key := version{a.AlertID, a.Version}
		prev, ok := versions[key]
		if !ok {
			versions[key] = a
			trigger, ok := first[parcelKey{a.RecipientKey, a.EntryDate, a.TriggerParcelID}]
			if a.Type != "split_shipment" {
				// Other kinds total an order or an address, not the
				// recipient's day.
				continue
			}
			if !ok {
				errorf("alert", "alert %s v%d: trigger parcel %s has no decision", a.AlertID, a.Version, a.TriggerParcelID)
			} else if trigger.RecipientDayTotal != a.DayTotal {
				errorf("alert", "alert %s v%d: day_total %s, its trigger parcel's decision says %s", a.AlertID, a.Version, a.DayTotal, trigger.RecipientDayTotal)
			}
			continue
		}
		f.AlertsRepublished++
		if prev.DayTotal != a.DayTotal || prev.TriggerParcelID != a.TriggerParcelID || !slices.Equal(prev.ParcelIDs, a.ParcelIDs) {
			errorf("alert", "alert %s v%d republished differently: %+v and %+v", a.AlertID, a.Version, *prev, *a)
		}
	}

	t.Logf("checks: %s", f)
	return f
}

// strays names the parcels counted in a day in Redis that were not
// decided for that day, and where each was decided instead: evidence for a
// failed check 3.
func strays(t tester, c *cluster, day dayKey, first map[parcelKey]*decision, byParcel map[string]*decision) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fields, err := c.redis.Client().HKeys(ctx, day.redisKey()).Result()
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, field := range fields {
		id, ok := strings.CutPrefix(field, "p:")
		if !ok {
			continue
		}
		if _, decided := first[parcelKey{day.recipientKey, day.entryDate, id}]; decided {
			continue
		}
		if d, ok := byParcel[id]; ok {
			out = append(out, fmt.Sprintf("%s (decided for recipient %.12s… on %s)", id, d.RecipientKey, d.EntryDate))
		} else {
			out = append(out, id+" (never decided)")
		}
	}
	return strings.Join(out, ", ")
}

// parseDayKey reads a day hash's key back into its recipient and date.
func parseDayKey(key string) dayKey {
	rest := strings.TrimPrefix(key, keyPrefix+":{")
	recipient, date, _ := strings.Cut(rest, "}:")
	return dayKey{recipient, date}
}

// limitedErrorf returns a function that reports at most maxErrors
// failures of each kind, then one line saying how many more there were.
func limitedErrorf(t tester) func(kind, format string, args ...any) {
	t.Helper()
	seen := map[string]int{}
	t.Cleanup(func() {
		for kind, n := range seen {
			if n > maxErrors {
				t.Errorf("… and %d more %q failures", n-maxErrors, kind)
			}
		}
	})
	return func(kind, format string, args ...any) {
		t.Helper()
		seen[kind]++
		if seen[kind] <= maxErrors {
			t.Errorf(format, args...)
		}
	}
}

// cents reads a decimal money string as an integer number of cents.
func cents(t tester, text string) int64 {
	t.Helper()
	d, err := decimal.NewFromString(text)
	if err != nil {
		t.Fatalf("money %q: %v", text, err)
	}
	c := d.Shift(2)
	if !c.Equal(c.Truncate(0)) {
		t.Fatalf("money %q: more than two decimal places", text)
	}
	return c.IntPart()
}

// storedDay is one day hash in Redis.
type storedDay struct{ total, parcels int64 }

// redisDays reads every day hash (total and parcel count) under the key
// prefix.
func redisDays(t tester, r *testenv.Redis) map[string]storedDay {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := r.Client()
	var keys []string
	iter := client.Scan(ctx, 0, keyPrefix+":{*", 1000).Iterator()
	for iter.Next(ctx) {
		if !strings.HasSuffix(iter.Val(), ":parcels") {
			keys = append(keys, iter.Val())
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan redis: %v", err)
	}
	out := make(map[string]storedDay, len(keys))
	pipe := client.Pipeline()
	cmds := make(map[string]func() []any, len(keys))
	for _, key := range keys {
		cmd := pipe.HMGet(ctx, key, "total", "n")
		cmds[key] = cmd.Val
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("read day totals: %v", err)
	}
	for key, val := range cmds {
		fields := val()
		total, err1 := strconv.ParseInt(fmt.Sprint(fields[0]), 10, 64)
		n, err2 := strconv.ParseInt(fmt.Sprint(fields[1]), 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: total %v, n %v: not integers", key, fields[0], fields[1])
		}
		out[key] = storedDay{total: total, parcels: n}
	}
	return out
}
