package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// redisTarget is a parsed --redis-url: where Redis is and how to reach it.
// It never leaves this package and is never logged whole (it holds the
// password).
type redisTarget struct {
	cluster  bool
	tls      bool
	addrs    []string
	username string
	password string
	db       int
	// url is the URL go-redis parses for its query options (dial_timeout,
	// pool_size, ...): the one URL, or for a cluster the first node's
	// with the others as addr= parameters.
	url string
}

// parseRedisURL reads the three forms --redis-url accepts:
//
//	redis://[user:password@]host:port[/db]           one server (rediss:// for TLS)
//	redis+cluster://[user:password@]h1:p1,h2:p2[/]   a Redis Cluster, seed nodes (rediss+cluster:// for TLS)
//	redis://h1:p1,redis://h2:p2                      a Redis Cluster, one URL per seed node
//
// Errors never quote the URL, which may hold a password.
func parseRedisURL(raw string) (redisTarget, error) {
	var target redisTarget
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return target, errors.New("must start with redis://, rediss://, redis+cluster:// or rediss+cluster://")
	}
	var parts []*url.URL
	switch scheme {
	case "redis+cluster", "rediss+cluster":
		target.cluster = true
		base := strings.TrimSuffix(scheme, "+cluster")
		authority, tail := rest, ""
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			authority, tail = rest[:i], rest[i:]
		}
		userinfo, hosts := "", authority
		if i := strings.LastIndex(authority, "@"); i >= 0 {
			userinfo, hosts = authority[:i+1], authority[i+1:]
		}
		for i, host := range strings.Split(hosts, ",") {
			text := base + "://" + host
			if i == 0 {
				text = base + "://" + userinfo + host + tail
			}
			u, err := parseURLQuietly(text)
			if err != nil {
				return target, err
			}
			parts = append(parts, u)
		}
	case "redis", "rediss":
		for _, text := range strings.Split(raw, ",") {
			u, err := parseURLQuietly(strings.TrimSpace(text))
			if err != nil {
				return target, err
			}
			parts = append(parts, u)
		}
		target.cluster = len(parts) > 1
	default:
		return target, fmt.Errorf("scheme %q: must be redis, rediss, redis+cluster or rediss+cluster", scheme)
	}

	first := parts[0]
	target.tls = strings.HasPrefix(first.Scheme, "rediss")
	if first.User != nil {
		target.username = first.User.Username()
		target.password, _ = first.User.Password()
	}
	for i, u := range parts {
		if u.Scheme != first.Scheme {
			return target, errors.New("every node must use the same scheme (redis:// or rediss://)")
		}
		if u.Hostname() == "" {
			return target, fmt.Errorf("node %d: host is required", i+1)
		}
		port := u.Port()
		if port == "" {
			port = "6379"
		}
		target.addrs = append(target.addrs, net.JoinHostPort(u.Hostname(), port))
	}
	opts, err := redis.ParseURL(first.String())
	if err != nil {
		return target, fmt.Errorf("%w", unwrapURLError(err))
	}
	target.db = opts.DB
	if !target.cluster {
		target.url = first.String()
		return target, nil
	}
	if target.db != 0 {
		return target, fmt.Errorf("database %d: a Redis Cluster has database 0 only", target.db)
	}
	clusterURL := *first
	clusterURL.Path = ""
	query := clusterURL.Query()
	for _, addr := range target.addrs[1:] {
		query.Add("addr", addr)
	}
	clusterURL.RawQuery = query.Encode()
	target.url = clusterURL.String()
	return target, nil
}

// parseURLQuietly is url.Parse with an error that does not repeat the URL.
func parseURLQuietly(text string) (*url.URL, error) {
	u, err := url.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL: %w", unwrapURLError(err))
	}
	return u, nil
}

func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// RedactRedisURL returns the URL with any password replaced by "xxxxx", for
// showing a configuration.
func RedactRedisURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	var out []string
	for i, part := range strings.Split(rest, ",") {
		if i > 0 {
			// The one-URL-per-node form repeats the scheme.
			if s, r, ok := strings.Cut(part, "://"); ok {
				out = append(out, s+"://"+redactUserinfo(r))
				continue
			}
		}
		out = append(out, redactUserinfo(part))
	}
	return scheme + "://" + strings.Join(out, ",")
}

func redactUserinfo(authorityAndRest string) string {
	end := len(authorityAndRest)
	if i := strings.IndexAny(authorityAndRest, "/?"); i >= 0 {
		end = i
	}
	at := strings.LastIndex(authorityAndRest[:end], "@")
	if at < 0 {
		return authorityAndRest
	}
	user, _, hasPassword := strings.Cut(authorityAndRest[:at], ":")
	if !hasPassword {
		return authorityAndRest
	}
	return user + ":xxxxx" + authorityAndRest[at:]
}

// redisLogger sends go-redis's own log lines (connection pool errors) to
// zap.
type redisLogger struct{ log *zap.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("redis client", zap.String("detail", fmt.Sprintf(format, v...)))
}

// redisProtocol is the RESP version the client speaks: 2. The processor
// uses no RESP3 reply type or push notification, and with RESP3 go-redis
// checks every pipelined reply for pending push notifications, about a
// twentieth of the processor's CPU in BenchmarkProcessRedis.
const redisProtocol = 2

// OpenStore connects to the configured Redis (one server, or a Redis
// Cluster, see parseRedisURL); when cfg.RedisURL is empty it returns a nil
// client, and the processor keeps its state in memory (window.NewMemory). cfg.RedisUsername and cfg.RedisPassword, when set,
// replace the URL's credentials; cfg.RedisTLS adds a CA and a client
// certificate (and turns TLS on). The returned function closes what it
// opened. It logs where Redis is, never the URL or the password.
func OpenStore(cfg Config, log *zap.Logger) (redis.UniversalClient, func() error, error) {
	log = log.With(zap.String("component", "store"))
	// go-redis logs through a process-wide logger; send it to ours.
	redis.SetLogger(redisLogger{log})
	if cfg.RedisURL == "" {
		if cfg.RedisTLS.On() || cfg.RedisPassword != "" || cfg.RedisUsername != "" {
			return nil, nil, errors.New("redis-url: required with redis TLS or credentials")
		}
		log.Warn("embedded in-memory store: day totals are kept in memory and lost when the process exits; use --redis-url for a real Redis")
		return nil, func() error { return nil }, nil
	}
	target, err := parseRedisURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("redis-url: %w", err)
	}
	tlsCfg, err := cfg.RedisTLS.ClientConfig("redis-tls")
	if err != nil {
		return nil, nil, err
	}
	if tlsCfg == nil && target.tls {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	username, password := target.username, target.password
	if cfg.RedisUsername != "" {
		username = cfg.RedisUsername
	}
	if cfg.RedisPassword != "" {
		password = cfg.RedisPassword
	}

	log.Info("redis", zap.Strings("addrs", target.addrs), zap.Bool("cluster", target.cluster), zap.Int("db", target.db),
		zap.Bool("tls", tlsCfg != nil), zap.String("username", username), zap.Bool("password", password != ""))
	if target.cluster {
		opts, err := redis.ParseClusterURL(target.url)
		if err != nil {
			return nil, nil, fmt.Errorf("redis-url: %w", unwrapURLError(err))
		}
		opts.Username, opts.Password, opts.TLSConfig = username, password, tlsCfg
		opts.Protocol = redisProtocol
		rdb := redis.NewClusterClient(opts)
		return rdb, rdb.Close, nil
	}
	opts, err := redis.ParseURL(target.url)
	if err != nil {
		return nil, nil, fmt.Errorf("redis-url: %w", unwrapURLError(err))
	}
	opts.Username, opts.Password, opts.TLSConfig = username, password, tlsCfg
	opts.Protocol = redisProtocol
	rdb := redis.NewClient(opts)
	return rdb, rdb.Close, nil
}
