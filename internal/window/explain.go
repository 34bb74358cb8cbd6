package window

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/money"
)

// The state behind explanations and queries, kept with the same TTL as the
// totals:
//
//	<prefix>:parcel:{<parcel_id>}          hash decision_id -> the decision (JSON): the parcel's decisions
//	<prefix>:parcel:{<parcel_id>}:alerts   set of "<entry_date> <alert_id>": the alerts that list the parcel
//	<prefix>:alerts:{<entry_date>}         hash alert_id -> "<version> <alert JSON>": the latest version of each alert
//	<prefix>:alerts:{<entry_date>}:ids     sorted set of the hash's alert ids, all of score 0: the index a page is read from
//
// The index and the hash of a day share a hash slot (the date is the hash
// tag), so one script keeps them together in a Redis Cluster. A day kept
// before the index existed is indexed the first time it is written or read.

// ParcelRecord is a decision to keep for explanations: the decision as
// published and the parcel's place in its recipient's day.
type ParcelRecord struct {
	ParcelID   string
	DecisionID string
	// Decision is the decision.v1 JSON as published.
	Decision []byte
}

// AlertRecord is an alert version to keep for queries by day.
type AlertRecord struct {
	AlertID   string
	EntryDate string
	Version   int64
	// Alert is the alert.v1 JSON as published; its parcel_ids are indexed
	// so that a parcel's alerts are found without reading its day's.
	Alert []byte
}

// Record keeps decisions and alerts for explanations and queries, in one
// pipelined round trip. An alert is kept only when its version is newer
// than the one kept (a redelivered old version changes nothing).
func (s *Store) Record(ctx context.Context, parcels []ParcelRecord, alerts []AlertRecord) error {
	if len(parcels) == 0 && len(alerts) == 0 {
		return nil
	}
	ttl := time.Duration(s.ttlMS) * time.Millisecond
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
				evalScript(ctx, pipe, keepNewer, cached, []string{s.alertsKey(a.EntryDate), s.alertIndexKey(a.EntryDate)},
					a.AlertID, a.Version, a.Alert, s.ttlMS)
				// Each version lists the parcels so far; adding the alert
				// to a parcel's set again changes nothing.
				for _, parcelID := range alertParcels(a.Alert) {
					key := s.parcelAlertsKey(parcelID)
					pipe.SAdd(ctx, key, a.EntryDate+" "+a.AlertID)
					pipe.PExpire(ctx, key, ttl)
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

// alertParcels reads the parcel ids an alert lists; an alert that is not
// alert.v1 JSON lists none.
func alertParcels(alert []byte) []string {
	var a struct {
		ParcelIDs []string `json:"parcel_ids"`
	}
	if json.Unmarshal(alert, &a) != nil {
		return nil
	}
	return a.ParcelIDs
}

// keepNewer stores an alert under its id unless a version at least as new
// is stored, and indexes the id. The version prefixes the stored value:
// "<version> <json>". KEYS: the day's hash, its index.
var keepNewer = redis.NewScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then
  local v = tonumber(string.match(prev, '^(%d+) '))
  if v and v >= tonumber(ARGV[2]) then
    return 0
  end
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  -- A day kept before the index: index what it holds first.
  local ids = redis.call('HKEYS', KEYS[1])
  for i = 1, #ids do
    redis.call('ZADD', KEYS[2], 0, ids[i])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`)

// alertsPage reads up to ARGV[2] alert ids after ARGV[1] (a ZRANGEBYLEX
// bound: "-" or "(<id>") from the index and their values from the hash,
// as a flat list id, value, id, value. A day kept before the index is
// indexed first, with the hash's remaining lifetime. KEYS: the day's hash,
// its index.
var alertsPage = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then
  local all = redis.call('HKEYS', KEYS[1])
  if #all == 0 then
    return {}
  end
  for i = 1, #all do
    redis.call('ZADD', KEYS[2], 0, all[i])
  end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
local ids = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then
  return {}
end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = values[i]
end
return out
`)

func (s *Store) parcelKey(parcelID string) string { return s.prefix + ":parcel:{" + parcelID + "}" }
func (s *Store) parcelAlertsKey(parcelID string) string {
	return s.prefix + ":parcel:{" + parcelID + "}:alerts"
}
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
	key := s.parcelKey(parcelID)
	n, err := s.rdb.HLen(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("parcel history: %w", err)
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	type kept struct {
		at   string
		json []byte
	}
	history := make([]kept, 0, min(n, MaxHistory+scanStep))
	add := func(v string) {
		var d struct {
			DecidedAt string `json:"decided_at"`
		}
		_ = json.Unmarshal([]byte(v), &d)
		history = append(history, kept{at: d.DecidedAt, json: []byte(v)})
	}
	byTime := func(a, b kept) int { return strings.Compare(a.at, b.at) }
	if n <= MaxHistory {
		values, err := s.rdb.HGetAll(ctx, key).Result()
		if err != nil {
			return nil, fmt.Errorf("parcel history: %w", err)
		}
		for _, v := range values {
			add(v)
		}
	} else {
		var cursor uint64
		for {
			fields, next, err := s.rdb.HScan(ctx, key, cursor, "*", scanStep).Result()
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
	if len(history) == 0 {
		return nil, ErrNotFound
	}
	slices.SortStableFunc(history, byTime)
	out := make([][]byte, len(history))
	for i, h := range history {
		out[i] = h.json
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
		_, alert, _ := strings.Cut(value, " ")
		page.Alerts = append(page.Alerts, []byte(alert))
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

// MaxParcelAlerts bounds the alerts ParcelAlerts reads for one parcel. A
// parcel is in at most one alert of each type a day (its recipient's, its
// order's, its address's), and a few more if an amend moved it to
// another day.
const MaxParcelAlerts = 32

// ParcelAlerts returns the latest version of every alert that listed the
// parcel, ordered by entry date and alert id, found through the parcel's
// own index: no day is read whole.
func (s *Store) ParcelAlerts(ctx context.Context, parcelID string) ([][]byte, error) {
	members, err := s.rdb.SRandMemberN(ctx, s.parcelAlertsKey(parcelID), MaxParcelAlerts).Result()
	if err != nil {
		return nil, fmt.Errorf("parcel alerts: %w", err)
	}
	slices.Sort(members)
	byDate := map[string][]string{}
	var dates []string
	for _, m := range members {
		date, id, ok := strings.Cut(m, " ")
		if !ok {
			continue
		}
		if _, seen := byDate[date]; !seen {
			dates = append(dates, date)
		}
		byDate[date] = append(byDate[date], id)
	}
	cmds := make([]*redis.SliceCmd, len(dates))
	_, err = s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, date := range dates {
			cmds[i] = pipe.HMGet(ctx, s.alertsKey(date), byDate[date]...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parcel alerts: %w", err)
	}
	out := [][]byte{}
	for _, cmd := range cmds {
		for _, v := range cmd.Val() {
			if value, ok := v.(string); ok {
				_, alert, _ := strings.Cut(value, " ")
				out = append(out, []byte(alert))
			}
		}
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

// Day returns a recipient's day, its parcels in evaluation order.
func (s *Store) Day(ctx context.Context, recipientKey, date string) (*Day, error) {
	key := s.DayKey(recipientKey, date)
	var hash *redis.MapStringStringCmd
	var list *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		hash = pipe.HGetAll(ctx, key)
		list = pipe.LRange(ctx, key+":parcels", 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("day: %w", err)
	}
	fields := hash.Val()
	if len(fields) == 0 {
		return nil, ErrNotFound
	}
	scale, _ := strconv.ParseInt(fields["scale"], 10, 32)
	day := &Day{
		RecipientKey: recipientKey,
		EntryDate:    date,
		Total:        centsText(fields["total"], int32(scale)),
		GiftTotal:    centsText(fields["gift_total"], money.MaxPlaces),
		Parcels:      []DayParcel{},
	}
	day.AlertFrom, _ = strconv.ParseInt(fields["alert_from"], 10, 64)
	// l:<seq> = "<parcel> <carrier>"; a day written before layout version
	// 2, not touched since, still has them in its list.
	entryList := list.Val()
	if fields["l:1"] != "" {
		n, _ := strconv.Atoi(fields["n"])
		entryList = make([]string, 0, n)
		for seq := 1; seq <= n; seq++ {
			entryList = append(entryList, fields["l:"+strconv.Itoa(seq)])
		}
	}
	for _, entry := range entryList {
		parcel, carrier, _ := strings.Cut(entry, " ")
		p := DayParcel{ParcelID: parcel, Carrier: carrier}
		// p:<parcel> = "<seq> <total> <scale> <alert> <gift total>" (its
		// first answer) then "<value cents> <gift> <status> <last event>
		// <outcome>" (its state), which layout version 1 kept in s:<parcel>.
		first := strings.Fields(fields["p:"+parcel])
		state := first[min(5, len(first)):]
		if len(state) == 0 {
			state = strings.Fields(fields["s:"+parcel])
		}
		if len(state) == 5 {
			p.Value = centsText(state[0], money.MaxPlaces)
			p.Gift, p.Status, p.EventID, p.Outcome = state[1] == "1", state[2], state[3], state[4]
		}
		if len(first) >= 5 {
			p.Evaluated, _ = strconv.ParseInt(first[0], 10, 64)
			firstScale, _ := strconv.ParseInt(first[2], 10, 32)
			p.DayTotal = centsText(first[1], int32(firstScale))
		}
		day.Parcels = append(day.Parcels, p)
	}
	return day, nil
}

func centsText(text string, places int32) string {
	if text == "" {
		text = "0"
	}
	cents, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return text
	}
	return money.Format(money.FromCents(cents, places))
}
