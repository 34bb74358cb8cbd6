package window

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/money"
)

// The state behind explanations and queries, kept with the same TTL as the
// totals:
//
//	<prefix>:parcel:{<parcel_id>}          string: the parcel's own decision, kept (appendKept), and the
//	                                       alerts its subjects raise
//	<prefix>:parcel:{<parcel_id>}:later    hash decision_id -> the decision, kept: its amends' and cancel's
//	<prefix>:alerts:{<entry_date>}         hash alert_id -> "<version> <alert JSON>": the latest version of each alert
//	<prefix>:alerts:{<entry_date>}:ids     sorted set of the hash's alert ids, all of score 0: the index a page is read from
//
// The index and the hash of a day share a hash slot (the date is the hash
// tag), so one script keeps them together in a Redis Cluster.

// ParcelRecord is a decision to keep for explanations: the decision as
// published and the parcel's place in its recipient's day.
type ParcelRecord struct {
	ParcelID   string
	DecisionID string
	// EntryDate is the decision's entry_date; the memory store forgets
	// records by it.
	EntryDate string
	// Decision is the decision as published, in its compact form
	// (event.Decision.AppendCompact); explanations write it back as the
	// same JSON.
	Decision []byte
	// GiftRefused says why a parcel claimed as a gift was not cleared as
	// one (a decide.GiftRefusal), or is empty. The decision kept for
	// explain carries it as "gift_refused"; the published one does not.
	GiftRefused string
	// Superseding is true for the decision of an amend or a cancel,
	// which supersedes the parcel's own or an earlier one.
	Superseding bool
	// Subjects are the parcel's subjects (its recipient's day, its order,
	// its address's day) by the alerts they raise, or would raise:
	// whichever of them is raised on the parcel's entry date lists the
	// parcel, so a parcel's alerts are found from them without reading
	// its day's. Its recipient's day's key must be the decision's
	// recipient_key: a kept decision names that alert by the decision's
	// (appendKept), and computes its id only when it is read.
	Subjects []AlertSubject
}

// AlertSubject names a subject by the alert it raises: the alert's type
// (event.AlertSplitShipment, AlertSplitOrder or AlertAddressCluster) and
// the subject's key. The alert's id on an entry date is
// event.SubjectAlertID.
type AlertSubject struct{ Type, Key string }

// ref names the subject's alert on entryDate.
func (a AlertSubject) ref(entryDate string) AlertRef {
	return AlertRef{EntryDate: entryDate, AlertID: event.SubjectAlertID(a.Type, a.Key, entryDate)}
}

// alertName is how a kept decision names an alert of one of its
// subjects, on its own entry date: by its id, or, for the alert of its
// recipient's day, by saying so (recipientDay), since the decision's
// recipient_key and entry_date give its id.
type alertName struct {
	recipientDay bool
	id           string
}

// name is how a decision of entryDate names the subject's alert.
func (a AlertSubject) name(entryDate string) alertName {
	if a.Type == event.AlertSplitShipment {
		return alertName{recipientDay: true}
	}
	return alertName{id: a.ref(entryDate).AlertID}
}

// AlertRef names an alert: its entry date and id.
type AlertRef struct{ EntryDate, AlertID string }

// AlertRecord is an alert version to keep for queries by day.
type AlertRecord struct {
	AlertID   string
	EntryDate string
	Version   int64
	// Alert is the alert.v1 JSON as published.
	Alert []byte
}

// Record keeps decisions and alerts for explanations and queries, in one
// pipelined round trip. An alert is kept only when its version is newer
// than the one kept (a redelivered old version changes nothing).
func (s *Store) Record(ctx context.Context, parcels []ParcelRecord, alerts []AlertRecord) error {
	if len(parcels) == 0 && len(alerts) == 0 {
		return nil
	}
	alerts = newestAlerts(alerts)
	if s.mem != nil {
		s.mem.record(parcels, alerts)
		return nil
	}
	ttl := s.ttl
	// The values are cut from one buffer: a slice handed to the pipeline
	// keeps its bytes when the buffer grows.
	buf := make([]byte, 0, keptBytes*len(parcels))
	values := make([][]byte, len(parcels))
	for i := range parcels {
		p := &parcels[i]
		start := len(buf)
		subjects := p.Subjects
		if p.Superseding {
			subjects = nil // read from the parcel's own decision
		}
		buf = appendKept(buf, p, subjects)
		values[i] = buf[start:len(buf):len(buf)]
	}
	record := func(parcels []ParcelRecord, cached bool) error {
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, p := range parcels {
				// A parcel's own decision is one SET with its expiry; a
				// redelivered one replaces itself. An amend's or cancel's
				// goes into the parcel's hash of later decisions, keyed by
				// decision id, so the history holds each decision once.
				key := s.parcelKey(p.ParcelID)
				if !p.Superseding {
					pipe.Set(ctx, key, values[i], ttl)
					continue
				}
				later := key + ":later"
				pipe.HSet(ctx, later, p.DecisionID, values[i])
				pipe.PExpire(ctx, later, ttl)
				pipe.PExpire(ctx, key, ttl)
			}
			for _, a := range alerts {
				keepAlert(ctx, pipe, s.alertsKey(a.EntryDate), s.alertIndexKey(a.EntryDate), a, ttl, cached)
			}
			return nil
		})
		return err
	}
	err := record(parcels, true)
	if err != nil && isNoScript(err) {
		// The script was not loaded (or flushed): the rest of the pipeline
		// went through; send the alerts again with the script itself.
		err = record(nil, false)
	}
	if err != nil {
		return fmt.Errorf("record decisions: %w", err)
	}
	return nil
}

// newestAlerts returns the newest version of each alert among alerts, in
// the order each alert first appears. Only the newest is kept, and a batch
// in which many parcels of one subject come raises a version of its alert
// for each, as large as its list of parcels: the older ones need not be
// sent. alerts itself is returned when no alert appears twice.
func newestAlerts(alerts []AlertRecord) []AlertRecord {
	if len(alerts) < 2 {
		return alerts
	}
	type alertKey struct{ date, id string }
	at := make(map[alertKey]int, len(alerts))
	var newest []AlertRecord
	for i, a := range alerts {
		k := alertKey{a.EntryDate, a.AlertID}
		j, seen := at[k]
		if !seen {
			at[k] = len(at)
			if newest != nil {
				newest = append(newest, a)
			}
			continue
		}
		if newest == nil {
			newest = append(make([]AlertRecord, 0, len(alerts)), alerts[:i]...)
		}
		if a.Version > newest[j].Version {
			newest[j] = a
		}
	}
	if newest == nil {
		return alerts
	}
	return newest
}

// keptBytes is about what a decision takes kept: the compact decision and
// the names of its alerts.
const keptBytes = 256

// appendKept appends the value that keeps a decision: its compact form,
// why a gift claim was refused, and the names of the alerts of its
// subjects (appendAlertName). Strings are in event's compact string
// codec.
func appendKept(dst []byte, p *ParcelRecord, subjects []AlertSubject) []byte {
	dst = appendKeptDecision(dst, p, len(subjects))
	for _, a := range subjects {
		dst = appendAlertName(dst, a.name(p.EntryDate))
	}
	return dst
}

// appendKeptDecision appends what precedes the names of the alerts: the
// decision, the gift refusal and how many names follow.
func appendKeptDecision(dst []byte, p *ParcelRecord, names int) []byte {
	dst = append(dst, p.Decision...)
	dst = event.AppendCompactString(dst, p.GiftRefused)
	return binary.AppendUvarint(dst, uint64(names))
}

// appendAlertName appends a byte 0 for the alert of the recipient's day,
// or a byte 1 and the alert's id.
func appendAlertName(dst []byte, n alertName) []byte {
	if n.recipientDay {
		return append(dst, 0)
	}
	return event.AppendCompactString(append(dst, 1), n.id)
}

// keptDecision is a decision read back from what appendKept wrote.
type keptDecision struct {
	decision    event.Decision
	giftRefused string
	names       []alertName
}

// parseKept reads what appendKept wrote.
func parseKept(value []byte) (keptDecision, error) {
	var k keptDecision
	rest, err := k.decision.ParseCompact(value)
	if err == nil {
		k.giftRefused, rest, err = event.ParseCompactString(rest)
	}
	if err != nil {
		return k, fmt.Errorf("kept decision: %w", err)
	}
	n, size := binary.Uvarint(rest)
	if size <= 0 || n > uint64(len(rest)) {
		return k, errors.New("kept decision: alert names cut short")
	}
	rest = rest[size:]
	k.names = make([]alertName, n)
	for i := range k.names {
		if len(rest) == 0 || rest[0] > 1 {
			return k, errors.New("kept decision: alert names: neither the recipient's day nor an id")
		}
		name := &k.names[i]
		name.recipientDay, rest = rest[0] == 0, rest[1:]
		if name.recipientDay {
			continue
		}
		if name.id, rest, err = event.ParseCompactString(rest); err != nil {
			return k, fmt.Errorf("kept decision: alert names: %w", err)
		}
	}
	if len(rest) != 0 {
		return k, fmt.Errorf("kept decision: %d bytes after its end", len(rest))
	}
	return k, nil
}

// alerts names the alerts of the kept parcel's subjects, on its entry
// date.
func (k *keptDecision) alerts() []AlertRef {
	refs := make([]AlertRef, len(k.names))
	date := k.decision.EntryDate
	for i, n := range k.names {
		refs[i] = AlertRef{EntryDate: date, AlertID: n.id}
		if n.recipientDay {
			refs[i] = AlertSubject{Type: event.AlertSplitShipment, Key: k.decision.RecipientKey}.ref(date)
		}
	}
	return refs
}

// json writes the decision as published, and its gift refusal.
func (k *keptDecision) json() []byte {
	out := k.decision.AppendJSON(make([]byte, 0, 768))
	if k.giftRefused != "" {
		out = append(out[:len(out)-1], `,"gift_refused":`...)
		out = append(event.AppendJSONString(out, k.giftRefused), '}')
	}
	return out
}

// An alert is kept in its day's hash as two fields: <id> holds the
// version kept, <id>@<version> that version as published. keepAlert
// writes the version's JSON with a plain HSET, then keepNewer makes it the
// one kept when it is newer, or deletes it when it is older: the JSON,
// as large as its list of parcels, never passes through the script. (A
// script that took it as an argument spent about 110 µs of redis-server a
// version of an alert of 1,000 parcels: BenchmarkRedisKeepAlert.) A
// version whose script never ran, the connection lost between the two,
// is sent again with its batch.
func keepAlert(ctx context.Context, pipe redis.Pipeliner, hash, index string, a AlertRecord, ttl time.Duration, cached bool) {
	version := strconv.FormatInt(a.Version, 10)
	pipe.HSet(ctx, hash, alertField(a.AlertID, version), a.Alert)
	keys, args := []string{hash, index}, []any{a.AlertID, version, ttl.Milliseconds()}
	if cached {
		keepNewer.EvalSha(ctx, pipe, keys, args...)
	} else {
		keepNewer.Eval(ctx, pipe, keys, args...)
	}
}

// alertField is the field of an alert's version in its day's hash.
func alertField(alertID, version string) string { return alertID + "@" + version }

// keepNewer keeps the version ARGV[2] of the alert ARGV[1], written
// beside it, when it is newer than the one kept: it records the version,
// deletes the JSON of the one it replaces and indexes the id. An older
// version's JSON is deleted; the version kept, written again, stays.
// KEYS: the day's hash, its index. ARGV[3]: the time to live in ms.
var keepNewer = redis.NewScript(`
local kept = tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0
local v = tonumber(ARGV[2])
if v > kept then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  if kept > 0 then
    redis.call('HDEL', KEYS[1], ARGV[1] .. '@' .. kept)
  end
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
if v < kept then
  redis.call('HDEL', KEYS[1], ARGV[1] .. '@' .. ARGV[2])
end
return 0
`)

// alertsPage reads up to ARGV[2] alert ids after ARGV[1] (a ZRANGEBYLEX
// bound: "-" or "(<id>") from the index and the versions kept of them
// from the hash, as a flat list id, JSON, id, JSON (false where there is
// none). KEYS: the day's hash, its index.
var alertsPage = redis.NewScript(`
local ids = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then
  return {}
end
local versions = redis.call('HMGET', KEYS[1], unpack(ids))
local fields = {}
for i = 1, #ids do
  fields[i] = ids[i] .. '@' .. (versions[i] or '0')
end
local values = redis.call('HMGET', KEYS[1], unpack(fields))
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = values[i]
end
return out
`)

func (s *Store) parcelKey(parcelID string) string { return s.prefix + ":parcel:{" + parcelID + "}" }
func (s *Store) alertsKey(date string) string     { return s.prefix + ":alerts:{" + date + "}" }
func (s *Store) alertIndexKey(date string) string { return s.prefix + ":alerts:{" + date + "}:ids" }

// ErrNotFound says the state asked for is not kept (never seen, or expired
// after the state TTL). HTTP handlers answer it with 404.
var ErrNotFound = errors.New("not found")

// MaxHistory is the most decisions ParcelHistory returns for one parcel:
// the newest ones. A parcel has one decision per event (the original, its
// amends, a cancel), so only a carrier that amends one parcel over and
// over reaches it.
const MaxHistory = 100

// ParcelHistory returns the decisions kept for a parcel, each once, oldest
// first (by decided_at; a decision is JSON with that field): all of them,
// or the newest MaxHistory when there are more. It reads the parcel's hash
// whole only when it holds at most MaxHistory decisions; a longer one is
// scanned in steps, keeping the newest, so neither the reply nor the
// memory grows with it.
func (s *Store) ParcelHistory(ctx context.Context, parcelID string) ([][]byte, error) {
	if s.mem != nil {
		return s.mem.parcelHistory(parcelID)
	}
	key := s.parcelKey(parcelID)
	later := key + ":later"
	var own *redis.StringCmd
	var count *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		own = pipe.Get(ctx, key)
		count = pipe.HLen(ctx, later)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("parcel history: %w", err)
	}
	n := count.Val()
	ownText, ownErr := own.Result()
	if ownErr != nil && n == 0 {
		return nil, ErrNotFound
	}
	// The decisions are read back whole, and written as JSON only once
	// the newest MaxHistory are chosen.
	type kept struct {
		at       string
		decision keptDecision
	}
	history := make([]kept, 0, min(n+1, MaxHistory+scanStep))
	var bad error
	add := func(v string) {
		k, err := parseKept([]byte(v))
		if err != nil {
			bad = err
			return
		}
		history = append(history, kept{at: k.decision.DecidedAt, decision: k})
	}
	if ownErr == nil {
		add(ownText)
	}
	byTime := func(a, b kept) int { return strings.Compare(a.at, b.at) }
	switch {
	case n == 0: // the parcel's own decision alone
	case n <= MaxHistory:
		values, err := s.rdb.HGetAll(ctx, later).Result()
		if err != nil {
			return nil, fmt.Errorf("parcel history: %w", err)
		}
		for _, v := range values {
			add(v)
		}
	default:
		var cursor uint64
		for {
			fields, next, err := s.rdb.HScan(ctx, later, cursor, "*", scanStep).Result()
			if err != nil {
				return nil, fmt.Errorf("parcel history: %w", err)
			}
			for i := 1; i < len(fields); i += 2 {
				add(fields[i])
			}
			if len(history) > MaxHistory {
				slices.SortStableFunc(history, byTime)
				history = slices.Delete(history, 0, len(history)-MaxHistory)
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
	}
	if bad != nil {
		return nil, fmt.Errorf("parcel history of %s: %w", parcelID, bad)
	}
	if len(history) == 0 {
		return nil, ErrNotFound
	}
	slices.SortStableFunc(history, byTime)
	history = history[max(0, len(history)-MaxHistory):]
	out := make([][]byte, len(history))
	for i, h := range history {
		out[i] = h.decision.json()
	}
	return out, nil
}

// scanStep is the COUNT hint of each HSCAN of a long parcel history.
const scanStep = 100

// MaxAlertsPage is the most alerts AlertsPage returns at once.
const MaxAlertsPage = 1000

// AlertPage is one page of a day's alerts.
type AlertPage struct {
	// Alerts are the latest versions of the alerts, as published, ordered
	// by alert id.
	Alerts [][]byte
	// Next is the cursor of the following page (the last alert id of this
	// one), or empty when this page is the last.
	Next string
}

// AlertsPage returns up to limit (at most MaxAlertsPage) alerts of an entry
// date whose ids sort after the cursor after ("" for the first page). It
// reads the page's ids from the day's index and only their values from
// the day's hash: one round trip, whatever the size of the day.
func (s *Store) AlertsPage(ctx context.Context, date, after string, limit int) (AlertPage, error) {
	limit = min(max(limit, 1), MaxAlertsPage)
	if s.mem != nil {
		return s.mem.alertsPage(date, after, limit), nil
	}
	from := "-"
	if after != "" {
		from = "(" + after
	}
	reply, err := alertsPage.Run(ctx, s.rdb, []string{s.alertsKey(date), s.alertIndexKey(date)}, from, limit+1).Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return AlertPage{}, fmt.Errorf("alerts of %s: %w", date, err)
	}
	var page AlertPage
	var lastID string
	for i := 0; i+1 < len(reply); i += 2 {
		id, _ := reply[i].(string)
		value, ok := reply[i+1].(string)
		if !ok {
			// Indexed but not in the hash: only if the hash was deleted by
			// hand; skip it.
			continue
		}
		if len(page.Alerts) == limit {
			page.Next = lastID
			break
		}
		page.Alerts = append(page.Alerts, []byte(value))
		lastID = id
	}
	return page, nil
}

// Alerts returns the latest version of every alert of an entry date, as
// published, ordered by alert id, reading the day page by page. It is for
// tools and tests; the HTTP API serves pages (AlertsPage).
func (s *Store) Alerts(ctx context.Context, date string) ([][]byte, error) {
	var out [][]byte
	after := ""
	for {
		page, err := s.AlertsPage(ctx, date, after, MaxAlertsPage)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Alerts...)
		if page.Next == "" {
			return out, nil
		}
		after = page.Next
	}
}

// ParcelAlerts returns the latest version of every alert that lists the
// parcel, ordered by entry date and alert id: the alerts its subjects
// raised, read by id (one round trip for the names, one for the versions
// kept, one for the alerts); no day is read whole.
func (s *Store) ParcelAlerts(ctx context.Context, parcelID string) ([][]byte, error) {
	if s.mem != nil {
		return s.mem.parcelAlerts(parcelID), nil
	}
	own, err := s.rdb.Get(ctx, s.parcelKey(parcelID)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parcel alerts: %w", err)
	}
	k, err := parseKept([]byte(own))
	if err != nil {
		return nil, fmt.Errorf("parcel alerts of %s: %w", parcelID, err)
	}
	refs := sortedRefs(k.alerts())
	versions, err := s.alertFields(ctx, refs, func(r AlertRef, _ int) string { return r.AlertID })
	if err != nil {
		return nil, err
	}
	alerts, err := s.alertFields(ctx, refs, func(r AlertRef, i int) string {
		if versions[i] == "" {
			return ""
		}
		return alertField(r.AlertID, versions[i])
	})
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, alert := range alerts {
		if alert != "" {
			out = append(out, []byte(alert))
		}
	}
	return out, nil
}

// alertFields reads, in one round trip, the field field(r, i) of the day's
// hash of each ref r (the i-th), and answers each value, or "" where the
// field is "" or not there (expired, or never recorded).
func (s *Store) alertFields(ctx context.Context, refs []AlertRef, field func(r AlertRef, i int) string) ([]string, error) {
	cmds := make([]*redis.StringCmd, len(refs))
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, r := range refs {
			if f := field(r, i); f != "" {
				cmds[i] = pipe.HGet(ctx, s.alertsKey(r.EntryDate), f)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("parcel alerts: %w", err)
	}
	values := make([]string, len(refs))
	for i, cmd := range cmds {
		if cmd != nil {
			values[i], _ = cmd.Result() // "" for redis.Nil
		}
	}
	return values, nil
}

// sortedRefs sorts refs by date and id, each once.
func sortedRefs(refs []AlertRef) []AlertRef {
	slices.SortFunc(refs, func(a, b AlertRef) int {
		if c := strings.Compare(a.EntryDate, b.EntryDate); c != 0 {
			return c
		}
		return strings.Compare(a.AlertID, b.AlertID)
	})
	return slices.Compact(refs)
}

// DayParcel is one parcel of a recipient's day, as the day keeps it.
type DayParcel struct {
	ParcelID  string `json:"parcel_id"`
	Carrier   string `json:"carrier"`
	Value     string `json:"value"`
	Gift      bool   `json:"gift"`
	Status    string `json:"status"` // active or cancelled
	EventID   string `json:"last_event_id"`
	Outcome   string `json:"outcome"` // cleared or formal
	DayTotal  string `json:"day_total_after"`
	Evaluated int64  `json:"seq"`
}

// Day is a recipient's entry date as Redis keeps it.
type Day struct {
	RecipientKey string      `json:"recipient_key"`
	EntryDate    string      `json:"entry_date"`
	Total        string      `json:"total"`
	GiftTotal    string      `json:"gift_total"`
	AlertFrom    int64       `json:"alert_from_seq"`
	Parcels      []DayParcel `json:"parcels"`
}

// Day returns a recipient's day, its parcels in evaluation order (the
// first MaxAlertParcels of them).
func (s *Store) Day(ctx context.Context, recipientKey, date string) (*Day, error) {
	if s.mem != nil {
		return s.mem.day(recipientKey, date)
	}
	key := s.DayKey(recipientKey, date)
	fields, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("day: %w", err)
	}
	if len(fields) == 0 {
		return nil, ErrNotFound
	}
	var sub subject
	for _, f := range []struct {
		name string
		to   *int64
	}{{"n", &sub.n}, {"total", &sub.total}, {"gift_total", &sub.giftTotal}, {"alert_from", &sub.alertFrom}} {
		*f.to, _ = strconv.ParseInt(fields[f.name], 10, 64)
	}
	scale, _ := strconv.ParseInt(fields["scale"], 10, 32)
	sub.scale = int32(scale)
	entries := make([]entry, 0, min(sub.n, MaxAlertParcels))
	for seq := int64(1); seq <= min(sub.n, MaxAlertParcels); seq++ {
		parcel, carrier, _ := strings.Cut(fields["l:"+strconv.FormatInt(seq, 10)], " ")
		entries = append(entries, entry{parcel, carrier})
	}
	return dayOf(&sub, entries, recipientKey, date, func(parcel string) *parcelRecord {
		rec, err := parseParcelRecord(fields["p:"+parcel])
		if err != nil {
			return nil
		}
		return rec
	}), nil
}

// dayOf describes a recipient's day from its subject and its first
// entries; record finds a parcel's record.
func dayOf(sub *subject, entries []entry, recipientKey, date string, record func(parcel string) *parcelRecord) *Day {
	day := &Day{
		RecipientKey: recipientKey,
		EntryDate:    date,
		Total:        money.Format(money.FromCents(sub.total, sub.scale)),
		GiftTotal:    money.Format(money.FromCents(sub.giftTotal, money.MaxPlaces)),
		AlertFrom:    sub.alertFrom,
		Parcels:      make([]DayParcel, 0, len(entries)),
	}
	for _, e := range entries {
		p := DayParcel{ParcelID: e.parcel, Carrier: e.carrier}
		if rec := record(e.parcel); rec != nil {
			p.Value = money.Format(money.FromCents(rec.value, money.MaxPlaces))
			p.Gift, p.EventID, p.Outcome = rec.gift, rec.lastEvent, rec.outcome.String()
			if p.EventID == "" {
				p.EventID = e.parcel
			}
			p.Status = "active"
			if rec.cancelled {
				p.Status = "cancelled"
			}
			p.Evaluated = rec.seq
			p.DayTotal = money.Format(money.FromCents(rec.total, rec.scale))
		}
		day.Parcels = append(day.Parcels, p)
	}
	return day
}
