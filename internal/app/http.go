package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/s321/s321/internal/process"
)

// routes serves the operational endpoints:
//
//	/healthz  200 while the process runs
//	/readyz   200 once consuming (group member, no batch stuck, Redis up), else 503
//	/metrics  Prometheus text format
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
	for _, rc := range ps.Reasons() {
		reason := rc.Reason
		counter("decision_reasons_total", "Decisions carrying each reason code.",
			prometheus.Labels{"reason": reason}, func() int64 { return reasonCount(ps.Reasons(), reason) })
	}
	counter("redeliveries_total", "Parcels seen again and answered with their first decision.", nil, ps.Redelivered.Load)
	counter("alerts_total", "Alert versions published.", prometheus.Labels{"type": "split_shipment"}, ps.Alerts.Load)
	counter("rejected_total", "Messages sent to the DLQ.", nil, ps.Rejected.Load)
	counter("messages_consumed_total", "Input messages processed and published.", nil, cs.Consumed.Load)
	counter("messages_published_total", "Output messages acknowledged by the broker.", nil, cs.Published.Load)
	counter("batch_retries_total", "Failed batch attempts (Redis or Kafka unavailable), retried.", nil, cs.Retries.Load)
	counter("offset_commits_total", "Successful offset commits.", nil, cs.Commits.Load)
	counter("offset_commit_errors_total", "Failed offset commits.", nil, cs.CommitErrs.Load)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "s321", Name: "ready", Help: "1 while the processor is consuming, else 0.",
	}, func() float64 {
		if a.consumer.Ready() {
			return 1
		}
		return 0
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "s321", Name: "regime_table_info", Help: "The regime table in force, by version hash.",
		ConstLabels: prometheus.Labels{"version": a.processor.Regimes().Version()},
	}, func() float64 { return 1 }))
	return reg
}

func reasonCount(counts []process.ReasonCount, reason string) int64 {
	for _, rc := range counts {
		if rc.Reason == reason {
			return rc.Count
		}
	}
	return 0
}
