package window

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/money"
)

// The state behind explanations and queries, kept with the same TTL as the
// totals:
//
//	<prefix>:parcel:{<parcel_id>}          hash decision_id -> the decision (JSON): the parcel's decisions
//	<prefix>:alerts:{<entry_date>}         hash alert_id -> the latest version of the alert (JSON)

// ParcelRecord is a decision to keep for explanations: the decision as
// published and the parcel's place in its recipient's day.
type ParcelRecord struct {
	ParcelID   string
	DecisionID string
	// EntryDate is the parcel's entry date; the memory store forgets
	// records by it.
	EntryDate string
	// Decision is the decision.v1 JSON as published.
	Decision []byte
}

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
	if s.mem != nil {
		s.mem.record(parcels, alerts)
		return nil
	}
	ttl := s.ttl
	record := func(parcels []ParcelRecord, cached bool) error {
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, p := range parcels {
				// Keyed by decision id: a redelivered decision replaces
				// itself, so the history holds each decision once.
				key := s.parcelKey(p.ParcelID)
				pipe.HSet(ctx, key, p.DecisionID, p.Decision)
				pipe.PExpire(ctx, key, ttl)
			}
			for _, a := range alerts {
				keys, args := []string{s.alertsKey(a.EntryDate)}, []any{a.AlertID, a.Version, a.Alert, s.ttl.Milliseconds()}
				if cached {
					keepNewer.EvalSha(ctx, pipe, keys, args...)
				} else {
					keepNewer.Eval(ctx, pipe, keys, args...)
				}
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

// keepNewer stores an alert under its id unless a version at least as new
// is stored. The version prefixes the stored value: "<version> <json>".
var keepNewer = redis.NewScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then
  local v = tonumber(string.match(prev, '^(%d+) '))
  if v and v >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

func (s *Store) parcelKey(parcelID string) string { return s.prefix + ":parcel:{" + parcelID + "}" }
func (s *Store) alertsKey(date string) string     { return s.prefix + ":alerts:{" + date + "}" }

// ErrNotFound says the state asked for is not kept (never seen, or expired
// after the state TTL). HTTP handlers answer it with 404.
var ErrNotFound = errors.New("not found")

// ParcelHistory returns the decisions kept for a parcel, each once, oldest
// first (by decided_at; a decision is JSON with that field).
func (s *Store) ParcelHistory(ctx context.Context, parcelID string) ([][]byte, error) {
	if s.mem != nil {
		return s.mem.parcelHistory(parcelID)
	}
	values, err := s.rdb.HGetAll(ctx, s.parcelKey(parcelID)).Result()
	if err != nil {
		return nil, fmt.Errorf("parcel history: %w", err)
	}
	if len(values) == 0 {
		return nil, ErrNotFound
	}
	type kept struct {
		at   string
		json []byte
	}
	history := make([]kept, 0, len(values))
	for _, v := range values {
		var d struct {
			DecidedAt string `json:"decided_at"`
		}
		_ = json.Unmarshal([]byte(v), &d)
		history = append(history, kept{at: d.DecidedAt, json: []byte(v)})
	}
	slices.SortStableFunc(history, func(a, b kept) int { return strings.Compare(a.at, b.at) })
	out := make([][]byte, len(history))
	for i, h := range history {
		out[i] = h.json
	}
	return out, nil
}

// Alerts returns the latest version of every alert of an entry date, as
// published, ordered by alert id.
func (s *Store) Alerts(ctx context.Context, date string) ([][]byte, error) {
	if s.mem != nil {
		return s.mem.alertsOf(date), nil
	}
	values, err := s.rdb.HGetAll(ctx, s.alertsKey(date)).Result()
	if err != nil {
		return nil, fmt.Errorf("alerts of %s: %w", date, err)
	}
	ids := make([]string, 0, len(values))
	for id := range values {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([][]byte, 0, len(ids))
	for _, id := range ids {
		_, alert, _ := strings.Cut(values[id], " ")
		out = append(out, []byte(alert))
	}
	return out, nil
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
	for seq := int64(1); seq <= min(sub.n, MaxAlertParcels); seq++ {
		parcel, carrier, _ := strings.Cut(fields["l:"+strconv.FormatInt(seq, 10)], " ")
		sub.entries = append(sub.entries, entry{parcel, carrier})
	}
	return dayOf(&sub, recipientKey, date, func(parcel string) *parcelRecord {
		rec, err := parseParcelRecord(fields["p:"+parcel])
		if err != nil {
			return nil
		}
		return rec
	}), nil
}

// dayOf describes a recipient's day from its subject; record finds a
// parcel's record.
func dayOf(sub *subject, recipientKey, date string, record func(parcel string) *parcelRecord) *Day {
	day := &Day{
		RecipientKey: recipientKey,
		EntryDate:    date,
		Total:        money.Format(money.FromCents(sub.total, sub.scale)),
		GiftTotal:    money.Format(money.FromCents(sub.giftTotal, money.MaxPlaces)),
		AlertFrom:    sub.alertFrom,
		Parcels:      make([]DayParcel, 0, len(sub.entries)),
	}
	for _, e := range sub.entries {
		p := DayParcel{ParcelID: e.parcel, Carrier: e.carrier}
		if rec := record(e.parcel); rec != nil {
			p.Value = money.Format(money.FromCents(rec.value, money.MaxPlaces))
			p.Gift, p.EventID, p.Outcome = rec.gift, rec.lastEvent, string(rec.outcome)
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
