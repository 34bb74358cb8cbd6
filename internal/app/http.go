package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/s321/s321/internal/decide"
)

// routes serves the operational endpoints:
//
//	/         the status page (status.html), polling /v1/status
//	/v1/status  counters, throughput, group lag and the latest alerts, JSON
//	/healthz  200 while the process runs
//	/readyz   200 once consuming (group member, no batch stuck, Redis up), else 503
//	/metrics  Prometheus text format
//	/v1/regimes  the regime tables in force (live and what-if) with their versions
//	/v1/parcels/{id}, /v1/recipients/{key}/days/{date}, /v1/alerts?date=  live state (query.go)
//	/debug/pprof/  the Go runtime profiles, with --pprof only
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !a.Ready(r.Context()) {
			http.Error(w, "not ready\n", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics(), promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /v1/regimes", a.serveRegimes)
	mux.HandleFunc("GET /v1/status", a.serveStatus)
	mux.HandleFunc("GET /{$}", a.serveStatusPage)
	mux.HandleFunc("GET /v1/parcels/{id}", a.serveParcel)
	mux.HandleFunc("GET /v1/recipients/{key}/days/{date}", a.serveDay)
	mux.HandleFunc("GET /v1/alerts", a.serveAlerts)
	if a.cfg.Pprof {
		// Mounted by hand: importing net/http/pprof registers on
		// http.DefaultServeMux, which this server does not serve.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// metrics registers the processor's counters. They are read from the
// components' own atomic counters when scraped, so the hot path pays
// nothing for them.
func (a *App) metrics() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ps, cs := a.processor.Stats(), a.consumer.Stats()
	counter := func(name, help string, labels prometheus.Labels, read func() int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "s321", Name: name, Help: help, ConstLabels: labels,
		}, func() float64 { return float64(read()) }))
	}
	counter("decisions_total", "Decisions published, by outcome (redeliveries included).",
		prometheus.Labels{"decision": "cleared"}, ps.Cleared.Load)
	counter("decisions_total", "Decisions published, by outcome (redeliveries included).",
		prometheus.Labels{"decision": "formal_entry_required"}, ps.FormalEntryRequired.Load)
	for i, rc := range ps.Reasons() {
		counter("decision_reasons_total", "Decisions carrying each reason code.",
			prometheus.Labels{"reason": rc.Reason}, func() int64 { return ps.Reasons()[i].Count })
	}
	counter("redeliveries_total", "Parcels seen again and answered with their first decision.", nil, ps.Redelivered.Load)
	for kind, read := range map[string]func() int64{
		"split_shipment":  func() int64 { return ps.Alerts.Load() - ps.AlertsSplitOrder.Load() - ps.AlertsAddressCluster.Load() },
		"split_order":     ps.AlertsSplitOrder.Load,
		"address_cluster": ps.AlertsAddressCluster.Load,
	} {
		counter("alerts_total", "Alert versions published, by type.", prometheus.Labels{"type": kind}, read)
	}
	counter("rejected_total", "Messages sent to the DLQ.", nil, ps.Rejected.Load)
	for i, cc := range ps.Rejections() {
		counter("rejected_by_class_total", "Messages sent to the DLQ, by the field at fault or what else was wrong.",
			prometheus.Labels{"class": cc.Class}, func() int64 { return ps.Rejections()[i].Count })
	}
	reg.MustRegister(a.histograms.batchMessages, a.histograms.batchSeconds, a.histograms.decisionSeconds,
		a.histograms.stageSeconds, lagCollector{a})
	counter("messages_consumed_total", "Input messages processed and published.", nil, cs.Consumed.Load)
	counter("messages_published_total", "Output messages acknowledged by the broker.", nil, cs.Published.Load)
	counter("batch_retries_total", "Failed batch attempts (Redis or Kafka unavailable), retried.", nil, cs.Retries.Load)
	counter("offset_commits_total", "Successful offset commits.", nil, cs.Commits.Load)
	counter("offset_commit_errors_total", "Failed offset commits.", nil, cs.CommitErrs.Load)
	counter("consumer_generations_total", "Consumer group generations taken part in: one at start, one more at each rebalance.", nil, cs.Generations.Load)
	counter("state_conflicts_total", "Subjects read and written again because another batch or processor had changed them since they were read (Redis).",
		nil, a.store.Conflicts)
	for how, read := range map[string]func() int64{
		"restore": func() int64 { byRestore, _ := a.store.Created(); return byRestore },
		"script":  func() int64 { _, byScript := a.store.Created(); return byScript },
	} {
		counter("state_subjects_created_total", "Subjects created in Redis, by how: RESTORE, or the compare-and-set script (a subject Redis keeps as a hash table, or any where Redis refuses RESTORE).",
			prometheus.Labels{"how": how}, read)
	}
	counter("gifts_total", "Parcels cleared as bona fide gifts.", nil, ps.Gifts.Load)
	counter("amends_total", "Amend events applied.", nil, ps.Amended.Load)
	counter("cancels_total", "Cancel events applied.", nil, ps.Cancelled.Load)
	counter("shadow_decisions_total", "Decisions evaluated again against the what-if regimes.", nil, ps.Shadowed.Load)
	counter("shadow_differences_total", "What-if decisions that differ from the live decision.", nil, ps.ShadowDiffers.Load)
	counter("table_reloads_total", "Regime, exchange-rate and what-if tables reloaded.", nil, a.reloads.reloads.Load)
	counter("table_reload_errors_total", "Reloads refused because a file was bad (the old tables stay).", nil, a.reloads.errors.Load)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "s321", Name: "ready", Help: "1 while the processor is consuming and Redis answers (as /readyz), else 0.",
	}, func() float64 {
		if a.Ready(context.Background()) {
			return 1
		}
		return 0
	}))
	reg.MustRegister(regimeInfo{a})
	return reg
}

// regimeInfo exports the version of the regime table in force; the label
// changes when a reload swaps the table, so it is collected, not fixed.
type regimeInfo struct{ a *App }

var regimeInfoDesc = prometheus.NewDesc("s321_regime_table_info",
	"The regime table in force (value 1), by version hash; table=live or shadow.", []string{"table", "version"}, nil)

func (r regimeInfo) Describe(ch chan<- *prometheus.Desc) { ch <- regimeInfoDesc }

func (r regimeInfo) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(regimeInfoDesc, prometheus.GaugeValue, 1, "live", r.a.processor.Regimes().Version())
	if shadow := r.a.processor.ShadowRegimes(); shadow != nil {
		ch <- prometheus.MustNewConstMetric(regimeInfoDesc, prometheus.GaugeValue, 1, "shadow", shadow.Version())
	}
}

// tableView is a regime table as /v1/regimes shows it: its version and
// its entries in canonical form.
type tableView struct {
	Version string             `json:"version"`
	Regimes []decide.RegimeDoc `json:"regimes"`
}

func viewOf(t *decide.Table) *tableView {
	if t == nil {
		return nil
	}
	view := &tableView{Version: t.Version(), Regimes: []decide.RegimeDoc{}}
	for _, r := range t.Regimes() {
		view.Regimes = append(view.Regimes, r.Doc())
	}
	return view
}

// serveRegimes shows the tables in force and the exchange rates' size.
func (a *App) serveRegimes(w http.ResponseWriter, _ *http.Request) {
	body := struct {
		Live    *tableView `json:"live"`
		Shadow  *tableView `json:"shadow"`
		FXRates int        `json:"fx_rates"`
	}{viewOf(a.processor.Regimes()), viewOf(a.processor.ShadowRegimes()), a.processor.Rates().Len()}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body)
}

// histograms are the distributions the consumer measures.
type histograms struct {
	batchMessages, batchSeconds, decisionSeconds prometheus.Histogram
	// stageSeconds is each stage of a batch: link, count and record (the
	// Redis round trips), publish and commit (Kafka).
	stageSeconds *prometheus.HistogramVec
}

// ObserveStage makes histograms a process.StageObserver.
func (h *histograms) ObserveStage(stage string, seconds float64) {
	h.stageSeconds.WithLabelValues(stage).Observe(seconds)
}

func newHistograms() *histograms {
	return &histograms{
		batchMessages: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "s321", Name: "batch_messages", Help: "Messages in each batch handled.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7), // 1 .. 4096
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "s321", Name: "batch_seconds", Help: "Time from fetching a batch to its outputs acknowledged, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14), // 1 ms .. 8 s
		}),
		decisionSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "s321", Name: "decision_latency_seconds", Help: "Time from a manifest's Kafka timestamp to its decision acknowledged by the broker.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1 ms .. 33 s
		}),
		stageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "s321", Name: "stage_seconds", Help: "Time of each stage of a batch: link, count and record (Redis), publish and commit (Kafka).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms .. 4 s
		}, []string{"stage"}),
	}
}

// lagCollector exports each assigned partition's lag: bounded by the
// partition count.
type lagCollector struct{ a *App }

var lagDesc = prometheus.NewDesc("s321_consumer_lag",
	"Messages behind the end of each assigned input partition, as last seen by its reader.", []string{"topic", "partition"}, nil)

func (l lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

func (l lagCollector) Collect(ch chan<- prometheus.Metric) {
	l.a.consumer.Lag(func(topic string, partition int, lag int64) {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(max(lag, 0)), topic, strconv.Itoa(partition))
	})
}
