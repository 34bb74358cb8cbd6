// Package app assembles the processor: it starts what the configuration
// asks for (the embedded broker and store, or connections to real ones),
// wires the consumer, the processor and the day totals together, serves
// health and metrics, and owns the order in which they stop.
//
// It is a package, not main, so that tests and other commands (demo) start
// the whole processor in-process. It reads no flags and no environment.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/s321/s321/internal/broker"
	"github.com/s321/s321/internal/consume"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/window"
)

// App is one processor. Create it with New, then Run it once.
type App struct {
	cfg Config
	log *zap.Logger

	// Set while starting, before started is closed; read-only after.
	started   chan struct{}
	brokers   []string
	httpAddr  string
	processor *process.Processor
	consumer  *consume.Consumer
	rdb       redis.UniversalClient
	store     *window.Store
	reloads   reloadStats
	// reloadNow carries Reload's requests to watchTables; one is kept.
	reloadNow chan struct{}
	// histograms are created before the consumer that observes them.
	histograms *histograms
	status     *statusState
}

// New validates cfg, loads the files it names and returns an App ready to
// Run.
func New(cfg Config, log *zap.Logger) (*App, error) {
	if err := cfg.ValidateAndLoad(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return &App{cfg: cfg, log: log, started: make(chan struct{}), reloadNow: make(chan struct{}, 1), status: newStatusState(time.Now())}, nil
}

// Started is closed once the broker address and the HTTP address are
// known and listening; Run may still be joining the group.
func (a *App) Started() <-chan struct{} { return a.started }

// Brokers returns the Kafka bootstrap servers in use (the embedded
// broker's address when embedded). Valid after Started.
func (a *App) Brokers() []string { return a.brokers }

// HTTPAddr returns the address /healthz, /readyz and /metrics are served
// on. Valid after Started.
func (a *App) HTTPAddr() string { return a.httpAddr }

// Stats returns the processor's counters. Valid after Started.
func (a *App) Stats() *process.Stats { return a.processor.Stats() }

// ConsumerStats returns the consumer's counters. Valid after Started.
func (a *App) ConsumerStats() *consume.Stats { return a.consumer.Stats() }

// Ready reports whether the processor is consuming: a member of its group,
// no partition stuck retrying, and Redis answering.
func (a *App) Ready(ctx context.Context) bool {
	if a.consumer == nil || !a.consumer.Ready() {
		return false
	}
	if a.rdb == nil {
		return true // the memory store: nothing to reach
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return a.rdb.Ping(ctx).Err() == nil
}

// Run runs the processor until ctx is cancelled.
func (a *App) Run(ctx context.Context) (err error) {
	log := a.log.With(zap.String("component", "app"))
	var closers []func() error
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			err = errors.Join(err, closers[i]())
		}
	}()

	// Kafka: external, or the embedded broker.
	a.brokers = a.cfg.Brokers
	if a.cfg.EmbeddedKafka() {
		brokerCfg := broker.Config{Addr: a.cfg.EmbeddedKafkaAddr}
		if warning := brokerCfg.Exposure(); warning != "" {
			// Loud: the embedded broker has neither TLS nor SASL.
			log.Error("embedded broker exposed: " + warning)
		}
		b, err := broker.Start(brokerCfg)
		if err != nil {
			return err
		}
		closers = append(closers, func() error { b.Close(); return nil })
		a.brokers = []string{b.Addr()}
		log.Warn("embedded Kafka-protocol broker started: topics are kept in memory and lost when the process exits; use --brokers for a real cluster",
			zap.String("addr", b.Addr()))
	}

	// Redis: external, or the embedded in-memory store.
	rdb, closeStore, err := OpenStore(a.cfg, a.log)
	if err != nil {
		return err
	}
	a.rdb = rdb
	closers = append(closers, closeStore)
	a.processor, a.store, err = NewProcessor(a.cfg, a.rdb, a.cfg.KeyPrefix, a.log)
	if err != nil {
		return err
	}
	consumeCfg := a.cfg.consumeConfig(a.brokers)
	a.histograms = newHistograms()
	a.processor.ObserveStages(a.histograms)
	consumeCfg.Observe = &consume.Observers{
		BatchMessages:   a.histograms.batchMessages,
		BatchSeconds:    a.histograms.batchSeconds,
		DecisionSeconds: a.histograms.decisionSeconds,
		PublishSeconds:  a.histograms.stageSeconds.WithLabelValues("publish"),
		CommitSeconds:   a.histograms.stageSeconds.WithLabelValues("commit"),
	}
	// The tap keeps the latest alerts for the status page.
	handler := alertTap{next: a.processor, topic: a.cfg.Topics.Alerts, recent: &a.status.alerts}
	a.consumer, err = consume.New(consumeCfg, handler, a.log, time.Now)
	if err != nil {
		return err
	}

	var httpServer *http.Server
	var listener net.Listener
	if a.cfg.HTTPAddr != "" {
		listener, err = net.Listen("tcp", a.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("http-addr: %w", err)
		}
		a.httpAddr = listener.Addr().String()
		if host, _, _ := net.SplitHostPort(a.cfg.HTTPAddr); !isLoopback(host) && a.cfg.WebConfigFile == "" {
			log.Warn("the HTTP server is reachable beyond loopback without --web-config-file: anyone who reaches it reads the metrics, the status page and the /v1 queries (recipient keys, alerts); give it a web configuration with basic_auth_users and TLS",
				zap.String("http_addr", a.httpAddr))
		}
		httpServer = a.newHTTPServer(a.handler())
	}
	close(a.started)
	log.Info("processor starting",
		zap.Strings("brokers", a.brokers), zap.String("http_addr", a.httpAddr),
		zap.String("regime_version", a.cfg.tables.regimes.Version()), zap.String("entry_day_tz", a.cfg.EntryDayZone))

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		// Loading the script first makes a Redis outage at start-up visible
		// early; the consumer retries on its own anyway.
		if err := a.processor.Prepare(gctx); err != nil {
			log.Warn("redis not reachable yet; batches will retry", zap.Error(err))
		}
		return a.consumer.Run(gctx)
	})
	g.Go(func() error {
		a.watchTables(gctx, log)
		return nil
	})
	g.Go(func() error {
		a.sampleThroughput(gctx)
		return nil
	})
	if httpServer != nil {
		g.Go(func() error {
			if err := a.serveHTTP(httpServer, listener); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http server: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
			defer cancel()
			return httpServer.Shutdown(shutdownCtx)
		})
	}
	err = g.Wait()
	log.Info("processor stopped", zap.Int64("consumed", a.consumer.Stats().Consumed.Load()))
	return err
}

// NewProcessor builds the processor of a validated cfg over rdb, with its
// day totals under keyPrefix (and what-if totals under keyPrefix-shadow);
// with a nil rdb, over stores in memory.
func NewProcessor(cfg Config, rdb redis.UniversalClient, keyPrefix string, log *zap.Logger) (*process.Processor, *window.Store, error) {
	if cfg.RecipientKeySecret == "" {
		log.Warn("recipient keys use the fixed development secret: set RECIPIENT_KEY_SECRET before handling real recipients",
			zap.String("component", "app"))
	}
	keyer, err := identity.NewKeyer([]byte(cfg.secret()))
	if err != nil {
		return nil, nil, fmt.Errorf("recipient-key-secret: %w", err)
	}
	store, err := openWindow(rdb, cfg.windowConfig(keyPrefix))
	if err != nil {
		return nil, nil, err
	}
	deps := process.Deps{Regimes: cfg.tables.regimes, Rates: cfg.tables.rates, Keyer: keyer, Counter: store, Linker: store}
	if cfg.KeepDecisions {
		deps.Recorder = store
	}
	if cfg.tables.shadow != nil {
		// What-if totals live in a key space of their own.
		shadowStore, err := openWindow(rdb, cfg.windowConfig(keyPrefix+"-shadow"))
		if err != nil {
			return nil, nil, err
		}
		deps.ShadowRegimes, deps.ShadowCounter = cfg.tables.shadow, shadowStore
	}
	p, err := process.New(cfg.processConfig(), deps)
	return p, store, err
}

// openWindow returns the store of the day totals: over rdb, or in memory
// when rdb is nil.
func openWindow(rdb redis.UniversalClient, cfg window.Config) (*window.Store, error) {
	if rdb == nil {
		return window.NewMemory(cfg)
	}
	return window.New(rdb, cfg)
}
