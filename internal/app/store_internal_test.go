package app

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/process"
)

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    redisTarget
		wantErr string
	}{
		{"one server", "redis://r1:6380/2",
			redisTarget{addrs: []string{"r1:6380"}, db: 2, url: "redis://r1:6380/2"}, ""},
		{"default port", "redis://r1",
			redisTarget{addrs: []string{"r1:6379"}, url: "redis://r1"}, ""},
		{"TLS and ACL user", "rediss://s321:pw@r1:6379/0",
			redisTarget{tls: true, addrs: []string{"r1:6379"}, username: "s321", password: "pw", url: "rediss://s321:pw@r1:6379/0"}, ""},
		{"cluster form", "redis+cluster://u:pw@h1:7000,h2:7001,h3/",
			redisTarget{cluster: true, addrs: []string{"h1:7000", "h2:7001", "h3:6379"}, username: "u", password: "pw",
				url: "redis://u:pw@h1:7000?addr=h2%3A7001&addr=h3%3A6379"}, ""},
		{"cluster with TLS and options", "rediss+cluster://h1:7000,h2:7001?dial_timeout=3s",
			redisTarget{cluster: true, tls: true, addrs: []string{"h1:7000", "h2:7001"},
				url: "rediss://h1:7000?addr=h2%3A7001&dial_timeout=3s"}, ""},
		{"several URLs", "redis://u:pw@h1:7000, redis://u:pw@h2:7001",
			redisTarget{cluster: true, addrs: []string{"h1:7000", "h2:7001"}, username: "u", password: "pw",
				url: "redis://u:pw@h1:7000?addr=h2%3A7001"}, ""},
		{"cluster with a database", "redis+cluster://h1:7000,h2:7001/3", redisTarget{}, "database 3: a Redis Cluster has database 0 only"},
		{"mixed schemes", "redis://h1:7000,rediss://h2:7001", redisTarget{}, "same scheme"},
		{"no scheme", "h1:6379", redisTarget{}, "must start with"},
		{"unknown scheme", "http://h1:6379", redisTarget{}, `scheme "http"`},
		{"no host", "redis+cluster://h1:7000,:7001", redisTarget{}, "node 2: host is required"},
		{"bad database", "redis://h1:6379/x", redisTarget{}, "invalid database number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRedisURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestRedisURLErrorsHideThePassword is a regression guard: url.Parse
// repeats the whole URL in its errors, password included.
func TestRedisURLErrorsHideThePassword(t *testing.T) {
	for _, bad := range []string{
		"redis://user:s3cret-pw@h1:bad port/0",
		"redis+cluster://user:s3cret-pw@h1:7000,h2:%zz/",
		"redis://user:s3cret-pw@h1:6379/notadb",
	} {
		cfg := DefaultConfig()
		cfg.RedisURL = bad
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestRedactRedisURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"redis://r1:6379/0", "redis://r1:6379/0"},
		{"redis://user@r1:6379/0", "redis://user@r1:6379/0"},
		{"redis://:pw@r1:6379/0", "redis://:xxxxx@r1:6379/0"},
		{"rediss://user:p%40ss@r1:6379/0?dial_timeout=1s", "rediss://user:xxxxx@r1:6379/0?dial_timeout=1s"},
		{"redis+cluster://u:pw@h1:1,h2:2/", "redis+cluster://u:xxxxx@h1:1,h2:2/"},
		{"redis://u:pw@h1:1,redis://u:pw@h2:2", "redis://u:xxxxx@h1:1,redis://u:xxxxx@h2:2"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := RedactRedisURL(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSecurityValidation(t *testing.T) {
	secured := func(change func(*Config)) Config {
		cfg := DefaultConfig()
		cfg.Brokers = []string{"k1:9092"}
		cfg.RecipientKeySecret = "a-production-secret-0123456789"
		change(&cfg)
		return cfg
	}
	tests := []struct {
		name string
		cfg  Config
		want string // empty: valid
	}{
		{"plain SASL", secured(func(c *Config) { c.KafkaSASL = SASL{Mechanism: "PLAIN", Username: "u", Password: "p"} }), ""},
		{"SCRAM-SHA-512", secured(func(c *Config) { c.KafkaSASL = SASL{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"} }), ""},
		{"TLS with system roots", secured(func(c *Config) { c.KafkaTLS.Enabled = true }), ""},
		{"unknown mechanism", secured(func(c *Config) { c.KafkaSASL = SASL{Mechanism: "GSSAPI", Username: "u", Password: "p"} }), `kafka-sasl-mechanism "GSSAPI"`},
		{"no password", secured(func(c *Config) { c.KafkaSASL = SASL{Mechanism: "PLAIN", Username: "u"} }), "needs kafka-sasl-username and a password"},
		{"missing CA file", secured(func(c *Config) { c.KafkaTLS.CAFile = "/nonexistent/ca.pem" }), "kafka-tls-ca-file"},
		{"cert without key", secured(func(c *Config) { c.KafkaTLS.CertFile = "/nonexistent/c.pem" }), "give both or neither"},
		{"TLS on the embedded broker", func() Config {
			c := DefaultConfig()
			c.KafkaTLS.Enabled = true
			return c
		}(), "need --brokers"},
		{"Redis TLS without a URL", secured(func(c *Config) { c.RedisTLS.CAFile = "/x" }), "need --redis-url"},
		{"development secret with brokers", secured(func(c *Config) { c.RecipientKeySecret = DevRecipientKeySecret }), "the development secret must not be used with --brokers"},
		{"no secret with brokers", secured(func(c *Config) { c.RecipientKeySecret = "" }), "required with --brokers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.ValidateAndLoad()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "a-production-secret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func alertJSON(id string, version int64, parcels int) []byte {
	ids := make([]string, parcels)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprintf("P-%d", i))
	}
	return []byte(fmt.Sprintf(`{"schema":"alert.v1","alert_id":%q,"type":"split_shipment","recipient_key":"%s","entry_date":"2025-03-01","day_total":"920.00","parcel_ids":[%s],"version":%d,"raised_at":"2026-11-25T07:00:00.125Z"}`,
		id, strings.Repeat("ab", 32), strings.Join(ids, ","), version))
}

func TestRecentAlerts(t *testing.T) {
	type add struct {
		id      string
		version int64
	}
	tests := []struct {
		name string
		adds []add
		want []string // "id v<version>", newest first
	}{
		{"newest first", []add{{"a", 1}, {"b", 1}}, []string{"b v1", "a v1"}},
		{"a new version replaces and moves up", []add{{"a", 1}, {"b", 1}, {"a", 2}}, []string{"a v2", "b v1"}},
		{"a retried batch changes nothing", []add{{"a", 1}, {"b", 1}, {"b", 1}}, []string{"b v1", "a v1"}},
		{"an older version is ignored", []add{{"a", 2}, {"b", 1}, {"a", 1}}, []string{"b v1", "a v2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r recentAlerts
			for _, a := range tc.adds {
				r.add(alertJSON(a.id, a.version, 2))
			}
			var got []string
			for _, s := range r.snapshot() {
				got = append(got, fmt.Sprintf("%s v%d", s.AlertID, s.Version))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("capped", func(t *testing.T) {
		var r recentAlerts
		for i := range 50 {
			r.add(alertJSON(fmt.Sprint(i), 1, 3))
		}
		list := r.snapshot()
		if len(list) != recentAlertsKept || list[0].AlertID != "49" || list[recentAlertsKept-1].AlertID != "30" {
			t.Errorf("%d kept, first %s: want the last %d, newest first", len(list), list[0].AlertID, recentAlertsKept)
		}
		if list[0].Subject != "abababababab…" || list[0].Parcels != 3 || list[0].DayTotal != "920.00" {
			t.Errorf("summary %+v", list[0])
		}
	})
	t.Run("not an alert", func(t *testing.T) {
		var r recentAlerts
		r.add([]byte(`{"broken`))
		r.add([]byte(`{"schema":"decision.v1"}`))
		if n := len(r.snapshot()); n != 0 {
			t.Errorf("%d kept from non-alerts", n)
		}
	})
}

func TestThroughput(t *testing.T) {
	var s throughputSamples
	if v := s.view(); v.WindowSeconds != 0 || len(v.History) != 0 {
		t.Errorf("no samples: %+v", v)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		// 100 messages a second, 90 decisions.
		s.add(sample{at: start.Add(time.Duration(i) * time.Second), consumed: int64(100 * i), decisions: int64(90 * i)})
	}
	v := s.view()
	if v.WindowSeconds != rateWindow || v.ConsumedPerSecond != 100 || v.DecisionsPerSecond != 90 {
		t.Errorf("view %+v, want 100/s and 90/s over %ds", v, rateWindow)
	}
	if len(v.History) != samplesKept-1 || v.History[0] != 100 {
		t.Errorf("history %v, want %d values of 100", v.History, samplesKept-1)
	}
}

// fixedHandler returns the same outputs for every batch.
type fixedHandler struct{ outputs []process.Output }

func (h fixedHandler) Process(context.Context, []process.Input, time.Time) ([]process.Output, error) {
	return h.outputs, nil
}

// BenchmarkAlertTap measures what the status page's tap adds to a batch
// of 1000 outputs, 1% of them alerts.
func BenchmarkAlertTap(b *testing.B) {
	outputs := make([]process.Output, 1000)
	for i := range outputs {
		outputs[i] = process.Output{Topic: "parcels.cleared", Value: []byte(`{"schema":"decision.v1"}`)}
		if i%100 == 0 {
			outputs[i] = process.Output{Topic: "alerts.split-shipment", Value: alertJSON(fmt.Sprint(i), int64(i), 3)}
		}
	}
	tap := alertTap{next: fixedHandler{outputs}, topic: "alerts.split-shipment", recent: &recentAlerts{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tap.Process(ctx, nil, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidateReadsNoFile: Validate checks the settings alone, so a
// missing table, certificate or web configuration passes it; Load reads
// them and names each setting whose file it cannot use.
func TestValidateReadsNoFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	cfg := DefaultConfig()
	cfg.RegimesFile, cfg.FXRatesFile, cfg.ShadowRegimesFile = missing, missing, missing
	cfg.WebConfigFile = missing
	cfg.Brokers, cfg.RecipientKeySecret = []string{"k1:9092"}, "a-production-secret-0123456789"
	cfg.KafkaTLS = TLSFiles{CAFile: missing, CertFile: missing, KeyFile: missing}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	err := cfg.Load()
	if err == nil {
		t.Fatal("Load accepted missing files")
	}
	for _, setting := range []string{"regimes", "fx-rates", "shadow-regimes", "web-config-file", "kafka-tls-ca-file", "kafka-tls-cert-file"} {
		if !strings.Contains(err.Error(), setting+" ") && !strings.Contains(err.Error(), setting+":") {
			t.Errorf("Load's error does not name %s: %v", setting, err)
		}
	}
}

// TestValidateUsesTheComponentsBounds: a bound is written once, in the
// component's Validate, and Config.Validate reports it before anything
// starts (partitions and max-batch used to be checked only when the
// consumer was created).
func TestValidateUsesTheComponentsBounds(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"partitions", func(c *Config) { c.Partitions = 0 }, "partitions 0"},
		{"max-batch", func(c *Config) { c.MaxBatch = 0 }, "max batch 0"},
		{"workers", func(c *Config) { c.Workers = 0 }, "workers 0"},
		{"shutdown-timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown timeout 0s"},
		{"state-ttl", func(c *Config) { c.StateTTL = time.Millisecond }, "state ttl 1ms"},
		{"key-prefix", func(c *Config) { c.KeyPrefix = "a{b}" }, `key prefix "a{b}"`},
		{"max-message-bytes", func(c *Config) { c.MaxMessageBytes = 0 }, "max message bytes 0"},
		{"address-cluster-names", func(c *Config) { c.AddressClusterNames = 1 }, "address cluster names 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Errorf("the defaults are refused: %v", err)
	}
}
