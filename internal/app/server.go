package app

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The HTTP server's limits. A client that sends its headers slowly, or
// never reads the answer, holds a connection for ReadHeaderTimeout or
// WriteTimeout at most; the write timeout leaves room for a 30 s CPU
// profile (--pprof).
const (
	httpReadHeaderTimeout = 5 * time.Second
	httpReadTimeout       = 10 * time.Second
	httpWriteTimeout      = 60 * time.Second
	httpIdleTimeout       = 120 * time.Second
	// httpMaxHeaderBytes bounds the request line and headers; larger
	// requests are answered 431.
	httpMaxHeaderBytes = 16 << 10
	// queryTimeout bounds the Redis work of one /v1 request.
	queryTimeout = 10 * time.Second
)

// newHTTPServer returns the server of the operational endpoints, with its
// limits, in front of handler.
func (a *App) newHTTPServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		ErrorLog:          zap.NewStdLog(a.log.With(zap.String("component", "http"))),
	}
}

// serveHTTP serves server on listener until it is shut down, with the TLS
// and basic authentication of the web configuration file, if any: the
// exporter-toolkit's web package wraps every endpoint in its checks.
func (a *App) serveHTTP(server *http.Server, listener net.Listener) error {
	file := a.cfg.WebConfigFile
	flags := &web.FlagConfig{WebConfigFile: &file, WebListenAddresses: &[]string{listener.Addr().String()}}
	return web.Serve(listener, server, flags, slog.New(zapHandler{log: a.log.With(zap.String("component", "http"))}))
}

// handler wraps the routes with what applies to every request: the Host
// allow-list while bound to loopback, and the bound on concurrent /v1
// requests.
func (a *App) handler() http.Handler {
	var h http.Handler = a.routes()
	h = limitQueries(a.cfg.MaxQueries, h)
	if host, _, err := net.SplitHostPort(a.cfg.HTTPAddr); err == nil && isLoopback(host) {
		h = hostGuard(h)
	}
	return h
}

// isLoopback reports whether host (an address's host part, or a Host
// header's) names this machine only.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// hostGuard refuses requests whose Host is not a loopback name or address
// with 421. A server on loopback is reachable by any web page the machine's
// browser opens: a page from evil.example whose name is then made to
// resolve to 127.0.0.1 (DNS rebinding) would be same-origin with it, but
// its requests still carry Host: evil.example.
func hostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !isLoopback(host) {
			writeError(w, http.StatusMisdirectedRequest, "host not allowed: this server is bound to loopback and answers localhost, 127.0.0.1 or [::1] only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitQueries serves at most n /v1 requests at once and answers 503 to
// the others at once, so a burst of queries cannot tie up Redis or the
// process; the probes and /metrics are not counted. Each /v1 request's
// context ends after queryTimeout.
func limitQueries(n int, next http.Handler) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "too many queries at once: retry")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// zapHandler is a slog.Handler writing to a zap logger: the web package
// logs through slog.
type zapHandler struct {
	log    *zap.Logger
	fields []zap.Field
}

func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l >= slog.LevelError:
		return zapcore.ErrorLevel
	case l >= slog.LevelWarn:
		return zapcore.WarnLevel
	case l >= slog.LevelInfo:
		return zapcore.InfoLevel
	}
	return zapcore.DebugLevel
}

func (h zapHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.Core().Enabled(zapLevel(l))
}

func (h zapHandler) Handle(_ context.Context, r slog.Record) error {
	if ce := h.log.Check(zapLevel(r.Level), r.Message); ce != nil {
		fields := slices.Clone(h.fields)
		r.Attrs(func(attr slog.Attr) bool {
			fields = append(fields, zap.Any(attr.Key, attr.Value.Any()))
			return true
		})
		ce.Write(fields...)
	}
	return nil
}

func (h zapHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	fields := slices.Clone(h.fields)
	for _, attr := range attrs {
		fields = append(fields, zap.Any(attr.Key, attr.Value.Any()))
	}
	return zapHandler{log: h.log, fields: fields}
}

// WithGroup drops the group: the web package uses none.
func (h zapHandler) WithGroup(string) slog.Handler { return h }
