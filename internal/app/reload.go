package app

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// reloadStats count table reloads, for /metrics.
type reloadStats struct {
	reloads atomic.Int64 // tables swapped
	errors  atomic.Int64 // files refused
}

// Reload asks the processor to read its regime, exchange-rate and shadow
// files again at once (cmd/processor calls it on SIGHUP). It does not
// wait: a reload already asked for and not yet done absorbs this one.
// It may be called before Run and from any goroutine.
func (a *App) Reload() {
	select {
	case a.reloadNow <- struct{}{}:
	default:
	}
}

// watchTables reloads the regime, exchange-rate and shadow files when
// Reload is called and, every ReloadInterval, when one of them changed on
// disk. A bad file is refused whole and the tables in force stay; the
// error is logged and counted. It returns when ctx ends.
func (a *App) watchTables(ctx context.Context, log *zap.Logger) {
	files := []string{a.cfg.RegimesFile, a.cfg.FXRatesFile, a.cfg.ShadowRegimesFile}
	var tick <-chan time.Time
	if a.cfg.ReloadInterval > 0 {
		ticker := time.NewTicker(a.cfg.ReloadInterval)
		defer ticker.Stop()
		tick = ticker.C
	}
	seen := fingerprint(files)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.reloadNow:
			log.Info("reload asked for: reloading tables")
		case <-tick:
			now := fingerprint(files)
			if now == seen {
				continue
			}
			log.Info("table file changed: reloading")
		}
		seen = fingerprint(files)
		a.reload(log)
	}
}

// reload parses every file and swaps the tables only when all are good.
func (a *App) reload(log *zap.Logger) {
	tabs, err := a.cfg.loadTables()
	if err != nil {
		a.reloads.errors.Add(1)
		log.Error("reload refused; the tables in force stay", zap.Error(err),
			zap.String("regime_version", a.processor.Regimes().Version()))
		return
	}
	a.processor.SetRegimes(tabs.regimes)
	a.processor.SetRates(tabs.rates)
	a.processor.SetShadowRegimes(tabs.shadow)
	a.reloads.reloads.Add(1)
	log.Info("tables reloaded", zap.String("regime_version", tabs.regimes.Version()), zap.Int("fx_rates", tabs.rates.Len()))
}

// fingerprint is the files' sizes and modification times.
func fingerprint(files []string) string {
	var out []byte
	for _, f := range files {
		if f == "" {
			continue
		}
		if info, err := os.Stat(f); err == nil {
			out = append(out, info.ModTime().Format(time.RFC3339Nano)...)
			out = strconv.AppendInt(out, info.Size(), 10)
		}
		out = append(out, 0)
	}
	return string(out)
}
