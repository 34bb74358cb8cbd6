package app

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/consume"
	"github.com/s321/s321/internal/process"
)

// The status page: GET / is a self-contained HTML page (inline CSS and
// script, no external asset) that polls GET /v1/status, a JSON view of the
// counters, the throughput of the last seconds, the consumer group's lag
// and the latest alerts.

//go:embed status.html
var statusPage []byte

const (
	// recentAlertsKept is how many alert summaries the page shows.
	recentAlertsKept = 20
	// samplesKept is how many one-second throughput samples are kept: a
	// minute of history.
	samplesKept = 61
	// rateWindow is how many seconds the current throughput averages.
	rateWindow = 10
	// lagCacheFor bounds how often the lag is asked of the brokers, however
	// many pages poll.
	lagCacheFor = 2 * time.Second
)

// statusState is what the status page shows beyond the components'
// counters. It is created by New, so handlers never meet a nil.
type statusState struct {
	startedAt time.Time
	alerts    recentAlerts
	samples   throughputSamples
	lag       lagCache
}

func newStatusState(now time.Time) *statusState {
	return &statusState{startedAt: now}
}

// alertSummary is one alert as the page shows it: no name or address, the
// subject key shortened.
type alertSummary struct {
	AlertID   string `json:"-"`
	Type      string `json:"type"`
	Subject   string `json:"subject"`
	EntryDate string `json:"entry_date"`
	Parcels   int    `json:"parcels"`
	DayTotal  string `json:"day_total"`
	Version   int64  `json:"version"`
	RaisedAt  string `json:"raised_at"`
}

// recentAlerts keeps the latest version of the last recentAlertsKept
// alerts, newest first.
type recentAlerts struct {
	mu   sync.Mutex
	list []alertSummary
}

// add records an alert.v1 value. A retried batch offers the same version
// again, and an alert's next version replaces its previous one, so each
// alert appears once, with its newest version.
func (r *recentAlerts) add(value []byte) {
	var alert struct {
		AlertID      string   `json:"alert_id"`
		Type         string   `json:"type"`
		RecipientKey string   `json:"recipient_key"`
		SubjectKey   string   `json:"subject_key"`
		EntryDate    string   `json:"entry_date"`
		DayTotal     string   `json:"day_total"`
		ParcelIDs    []string `json:"parcel_ids"`
		Version      int64    `json:"version"`
		RaisedAt     string   `json:"raised_at"`
	}
	if json.Unmarshal(value, &alert) != nil || alert.AlertID == "" {
		return
	}
	subject := alert.SubjectKey
	if subject == "" {
		subject = alert.RecipientKey
	}
	if len(subject) > 12 {
		subject = subject[:12] + "…"
	}
	summary := alertSummary{
		AlertID: alert.AlertID, Type: alert.Type, Subject: subject, EntryDate: alert.EntryDate,
		Parcels: len(alert.ParcelIDs), DayTotal: alert.DayTotal, Version: alert.Version, RaisedAt: alert.RaisedAt,
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, prev := range r.list {
		if prev.AlertID != alert.AlertID {
			continue
		}
		if prev.Version > alert.Version {
			return
		}
		r.list = append(r.list[:i], r.list[i+1:]...)
		break
	}
	r.list = append([]alertSummary{summary}, r.list...)
	if len(r.list) > recentAlertsKept {
		r.list = r.list[:recentAlertsKept]
	}
}

func (r *recentAlerts) snapshot() []alertSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]alertSummary{}, r.list...)
}

// alertTap passes batches to the processor and remembers the alerts it
// returns, for the status page.
type alertTap struct {
	next   consume.Handler
	topic  string
	recent *recentAlerts
}

// Process implements consume.Handler.
func (t alertTap) Process(ctx context.Context, batch []process.Input, now time.Time) ([]process.Output, error) {
	outputs, err := t.next.Process(ctx, batch, now)
	if err != nil {
		return outputs, err
	}
	for _, o := range outputs {
		if o.Topic == t.topic {
			t.recent.add(o.Value)
		}
	}
	return outputs, nil
}

// sample is the counters at one instant.
type sample struct {
	at        time.Time
	consumed  int64
	decisions int64
}

// throughputSamples is a minute of one-second samples, oldest first.
type throughputSamples struct {
	mu   sync.Mutex
	list []sample
}

func (s *throughputSamples) add(x sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, x)
	if len(s.list) > samplesKept {
		s.list = s.list[len(s.list)-samplesKept:]
	}
}

// throughputView is the throughput as /v1/status shows it.
type throughputView struct {
	// WindowSeconds is the span ConsumedPerSecond and DecisionsPerSecond
	// average over (up to rateWindow; 0 before two samples).
	WindowSeconds      float64 `json:"window_seconds"`
	ConsumedPerSecond  float64 `json:"consumed_per_second"`
	DecisionsPerSecond float64 `json:"decisions_per_second"`
	// History is messages consumed per second, one value a second, oldest
	// first, up to a minute.
	History []float64 `json:"history"`
}

func (s *throughputSamples) view() throughputView {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := throughputView{History: []float64{}}
	n := len(s.list)
	if n < 2 {
		return v
	}
	last, from := s.list[n-1], s.list[max(0, n-1-rateWindow)]
	if span := last.at.Sub(from.at).Seconds(); span > 0 {
		v.WindowSeconds = span
		v.ConsumedPerSecond = float64(last.consumed-from.consumed) / span
		v.DecisionsPerSecond = float64(last.decisions-from.decisions) / span
	}
	for i := 1; i < n; i++ {
		if span := s.list[i].at.Sub(s.list[i-1].at).Seconds(); span > 0 {
			v.History = append(v.History, float64(s.list[i].consumed-s.list[i-1].consumed)/span)
		}
	}
	return v
}

// sampleThroughput records the counters every second until ctx ends.
func (a *App) sampleThroughput(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		ps, cs := a.processor.Stats(), a.consumer.Stats()
		a.status.samples.add(sample{at: time.Now(), consumed: cs.Consumed.Load(), decisions: ps.Cleared.Load() + ps.FormalEntryRequired.Load()})
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// lagView is the consumer group's lag on the input topic: messages written
// and not yet committed, over every partition (all instances of the group,
// not only this one).
type lagView struct {
	Messages   int64  `json:"messages"`
	Partitions int    `json:"partitions"`
	Error      string `json:"error,omitempty"`
}

// lagCache asks the brokers for the lag at most once every lagCacheFor.
type lagCache struct {
	mu   sync.Mutex
	at   time.Time
	last lagView
}

func (a *App) groupLag(ctx context.Context) lagView {
	c := &a.status.lag
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < lagCacheFor {
		return c.last
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	view, err := a.measureLag(ctx)
	if err != nil {
		// The page shows that the brokers did not answer, not their
		// addresses; the error goes to the log.
		a.log.Debug("group lag unavailable", zap.String("component", "status"), zap.Error(err))
		view = lagView{Error: "the brokers did not answer"}
		if errors.Is(err, context.DeadlineExceeded) {
			view.Error = "the brokers did not answer in time"
		}
	}
	c.at, c.last = time.Now(), view
	return view
}

// measureLag is two requests: the partitions' first and next offsets, and
// the group's committed offsets. A partition without a committed offset
// counts from its first offset.
func (a *App) measureLag(ctx context.Context) (lagView, error) {
	var transport kafka.RoundTripper = kafka.DefaultTransport
	if a.cfg.kafka.Transport != nil {
		transport = a.cfg.kafka.Transport
	}
	client := &kafka.Client{Addr: kafka.TCP(a.brokers...), Transport: transport}
	topic := a.cfg.InputTopic
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return lagView{}, fmt.Errorf("metadata: %w", err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return lagView{}, fmt.Errorf("metadata of %s: topic missing", topic)
	}
	var requests []kafka.OffsetRequest
	var partitions []int
	for _, p := range meta.Topics[0].Partitions {
		requests = append(requests, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		partitions = append(partitions, p.ID)
	}
	offsets, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: requests}})
	if err != nil {
		return lagView{}, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: a.cfg.GroupID, Topics: map[string][]int{topic: partitions}})
	if err != nil {
		return lagView{}, fmt.Errorf("committed offsets: %w", err)
	}
	if committed.Error != nil {
		return lagView{}, fmt.Errorf("committed offsets: %w", committed.Error)
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		done[p.Partition] = p.CommittedOffset
	}
	view := lagView{Partitions: len(partitions)}
	for _, p := range offsets.Topics[topic] {
		if p.Error != nil {
			return lagView{}, fmt.Errorf("offsets of partition %d: %w", p.Partition, p.Error)
		}
		from, ok := done[p.Partition]
		if !ok || from < p.FirstOffset {
			from = p.FirstOffset
		}
		view.Messages += max(0, p.LastOffset-from)
	}
	return view, nil
}

// statusView is the body of GET /v1/status.
type statusView struct {
	Now           string           `json:"now"`
	StartedAt     string           `json:"started_at"`
	Ready         bool             `json:"ready"`
	GroupID       string           `json:"group_id"`
	InputTopic    string           `json:"input_topic"`
	RegimeVersion string           `json:"regime_version"`
	Throughput    throughputView   `json:"throughput"`
	Counters      map[string]int64 `json:"counters"`
	Reasons       []reasonView     `json:"reasons"`
	Lag           lagView          `json:"lag"`
	RecentAlerts  []alertSummary   `json:"recent_alerts"`
}

type reasonView struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

func (a *App) serveStatus(w http.ResponseWriter, r *http.Request) {
	ps, cs := a.processor.Stats(), a.consumer.Stats()
	view := statusView{
		Now:           time.Now().UTC().Format(time.RFC3339Nano),
		StartedAt:     a.status.startedAt.UTC().Format(time.RFC3339),
		Ready:         a.Ready(r.Context()),
		GroupID:       a.cfg.GroupID,
		InputTopic:    a.cfg.InputTopic,
		RegimeVersion: a.processor.Regimes().Version(),
		Throughput:    a.status.samples.view(),
		Counters: map[string]int64{
			"consumed":              cs.Consumed.Load(),
			"published":             cs.Published.Load(),
			"cleared":               ps.Cleared.Load(),
			"formal_entry_required": ps.FormalEntryRequired.Load(),
			"rejected":              ps.Rejected.Load(),
			"alerts":                ps.Alerts.Load(),
			"redeliveries":          ps.Redelivered.Load(),
			"gifts":                 ps.Gifts.Load(),
			"amends":                ps.Amended.Load(),
			"cancels":               ps.Cancelled.Load(),
			"batch_retries":         cs.Retries.Load(),
			"offset_commit_errors":  cs.CommitErrs.Load(),
		},
		Lag:          a.groupLag(r.Context()),
		RecentAlerts: a.status.alerts.snapshot(),
	}
	for _, rc := range ps.Reasons() {
		view.Reasons = append(view.Reasons, reasonView{Reason: rc.Reason, Count: rc.Count})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(view)
}

func (a *App) serveStatusPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Everything the page needs is inline; it may fetch its own origin only.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src data:")
	_, _ = w.Write(statusPage)
}
