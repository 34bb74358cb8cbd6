package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// endpoints are every path the server answers, the probes included.
var endpoints = []string{"/", "/healthz", "/readyz", "/metrics", "/v1/status", "/v1/regimes",
	"/v1/alerts?date=2024-05-01", "/v1/parcels/PUB-1",
	"/v1/recipients/" + strings.Repeat("a", 64) + "/days/2024-05-01"}

// writeWebConfig writes an exporter-toolkit web configuration with one
// user and, when ca is given, a server certificate it issued.
func writeWebConfig(t *testing.T, user, password string, ca *testenv.CA) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("basic_auth_users:\n  %s: %s\n", user, hash)
	if ca != nil {
		pair := ca.Server("processor")
		text += fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n", pair.CertFile, pair.KeyFile)
	}
	path := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func get(t *testing.T, client *http.Client, url string, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Regression: everything on --http-addr, /v1/alerts with every flagged
// recipient key of a day included, was served to anyone who reached it.
// With a web configuration's basic_auth_users every endpoint asks for
// credentials, over TLS when it has a certificate.
func TestWebConfigProtectsEveryEndpoint(t *testing.T) {
	redis := testenv.StartRedis(t)
	ca := testenv.NewCA(t)
	cfg := testConfig(redis.URL())
	cfg.WebConfigFile = writeWebConfig(t, "prometheus", "scrape-password-0123", ca)
	a := startApp(t, cfg)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientTLS()}}
	base := "https://" + a.HTTPAddr()

	for _, path := range endpoints {
		for name, edit := range map[string]func(*http.Request){
			"no credentials":   nil,
			"a wrong password": func(r *http.Request) { r.SetBasicAuth("prometheus", "guess") },
			"an unknown user":  func(r *http.Request) { r.SetBasicAuth("admin", "scrape-password-0123") },
		} {
			if code, _ := get(t, client, base+path, edit); code != http.StatusUnauthorized {
				t.Errorf("GET %s with %s: %d, want 401", path, name, code)
			}
		}
		code, _ := get(t, client, base+path, func(r *http.Request) { r.SetBasicAuth("prometheus", "scrape-password-0123") })
		if code == http.StatusUnauthorized || code >= 500 {
			t.Errorf("GET %s with the credentials: %d", path, code)
		}
	}
	if _, err := http.Get("http://" + a.HTTPAddr() + "/healthz"); err == nil {
		// The TLS listener answers a plaintext request with a 400, never
		// with the endpoint.
		code, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr()+"/healthz", nil)
		if code == http.StatusOK || strings.Contains(body, "ok") {
			t.Errorf("plaintext GET /healthz: %d %q", code, body)
		}
	}
}

// A web configuration that cannot be used stops the start, naming the
// setting.
func TestWebConfigIsValidatedAtStart(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(bad, []byte("basic_auth_users:\n  u: not-a-bcrypt-hash\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(t.TempDir(), "none.yml"), "bad hash": bad} {
		cfg := testConfig("")
		cfg.WebConfigFile = path
		if err := cfg.ValidateAndLoad(); err == nil || !strings.Contains(err.Error(), "web-config-file") {
			t.Errorf("%s: %v, want an error naming web-config-file", name, err)
		}
	}
}

// Regression: a server on loopback answered any Host, so a web page whose
// name was made to resolve to 127.0.0.1 (DNS rebinding) could read it.
func TestLoopbackServerAnswersLoopbackHostsOnly(t *testing.T) {
	a := startApp(t, testConfig(""))
	base := "http://" + a.HTTPAddr()
	_, port, _ := strings.Cut(a.HTTPAddr(), ":")
	for host, want := range map[string]int{
		"evil.example":                http.StatusMisdirectedRequest,
		"evil.example:" + port:        http.StatusMisdirectedRequest,
		"127.0.0.1.evil.example":      http.StatusMisdirectedRequest,
		"localhost:" + port:           http.StatusOK,
		"127.0.0.1:" + port:           http.StatusOK,
		"[::1]:" + port:               http.StatusOK,
		"LOCALHOST":                   http.StatusOK,
		"app.localhost:" + port:       http.StatusOK,
		"10.0.0.1:" + port:            http.StatusMisdirectedRequest,
		"localhost.evil.example:8080": http.StatusMisdirectedRequest,
	} {
		for _, path := range []string{"/v1/status", "/healthz"} {
			if code, _ := get(t, http.DefaultClient, base+path, func(r *http.Request) { r.Host = host }); code != want {
				t.Errorf("GET %s with Host %s: %d, want %d", path, host, code, want)
			}
		}
	}
}

// Regression: the server took request headers up to Go's default of 1 MB.
func TestLargeRequestHeadersAreRefused(t *testing.T) {
	a := startApp(t, testConfig(""))
	code, _ := get(t, http.DefaultClient, "http://"+a.HTTPAddr()+"/healthz", func(r *http.Request) {
		r.Header.Set("X-Filler", strings.Repeat("x", 64<<10))
	})
	if code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %d, want 431", code)
	}
}

// Regression: a query that could not read Redis answered with Redis's
// error, its address included.
func TestErrorBodiesDoNotShowRedis(t *testing.T) {
	redis := testenv.StartRedis(t)
	a := startApp(t, testConfig(redis.URL()))
	redis.Stop()
	_, port, _ := strings.Cut(redis.Addr, ":")
	for _, path := range []string{"/v1/alerts?date=2024-05-01", "/v1/parcels/PUB-1", "/v1/recipients/" + strings.Repeat("a", 64) + "/days/2024-05-01"} {
		code, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr()+path, nil)
		if code != http.StatusServiceUnavailable {
			t.Errorf("GET %s with Redis down: %d, want 503", path, code)
		}
		for _, secret := range []string{port, "127.0.0.1", "dial", "refused", "redis"} {
			if strings.Contains(strings.ToLower(body), secret) {
				t.Errorf("GET %s: the body shows %q: %s", path, secret, body)
			}
		}
	}
}

// Regression: /v1/alerts answered a whole day's alerts at once. It now
// answers pages of at most limit (default 100, at most 1000), each with
// the cursor of the next.
func TestAlertsArePaged(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	store, err := window.New(redis.Client(), window.Config{KeyPrefix: cfg.KeyPrefix, TTL: cfg.StateTTL})
	if err != nil {
		t.Fatal(err)
	}
	var records []window.AlertRecord
	for n := range 5 {
		records = append(records, window.AlertRecord{AlertID: fmt.Sprintf("%032x", n), EntryDate: "2024-05-01", Version: 1,
			Alert: fmt.Appendf(nil, `{"n":%d}`, n)})
	}
	if err := store.Record(context.Background(), nil, records); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.HTTPAddr() + "/v1/alerts?date=2024-05-01"
	var seen []int
	url, pages := base+"&limit=2", 0
	for {
		var page struct {
			Alerts []struct{ N int } `json:"alerts"`
			Next   *string           `json:"next"`
		}
		code, body := get(t, http.DefaultClient, url, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, code, body)
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.Alerts {
			seen = append(seen, a.N)
		}
		if page.Next == nil {
			break
		}
		url = base + "&limit=2&after=" + *page.Next
	}
	if pages != 3 || fmt.Sprint(seen) != "[0 1 2 3 4]" {
		t.Errorf("%d pages: %v", pages, seen)
	}
	for _, query := range []string{"&limit=0", "&limit=1001", "&limit=x", "&after=" + strings.Repeat("z", 200), "&after=a%20b"} {
		if code, _ := get(t, http.DefaultClient, base+query, nil); code != http.StatusBadRequest {
			t.Errorf("GET ...%s: %d, want 400", query, code)
		}
	}
}

// Regression: `run` with --redis-url (keys written to Redis) started on
// the development secret, which is public in the source.
func TestRecipientKeySecretRequiredWhereKeysLeaveTheProcess(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*app.Config)
		refused bool
	}{
		{"embedded broker and store", func(c *app.Config) {}, false},
		{"embedded, a real secret", func(c *app.Config) { c.RecipientKeySecret = "a-real-secret-0123456789" }, false},
		{"embedded, a short secret", func(c *app.Config) { c.RecipientKeySecret = "short" }, true},
		{"redis-url", func(c *app.Config) { c.RedisURL = "redis://127.0.0.1:1/0" }, true},
		{"brokers", func(c *app.Config) { c.Brokers = []string{"127.0.0.1:1"} }, true},
		{"redis-url and the development secret", func(c *app.Config) {
			c.RedisURL, c.RecipientKeySecret = "redis://127.0.0.1:1/0", app.DevRecipientKeySecret
		}, true},
		{"brokers and the development secret", func(c *app.Config) {
			c.Brokers, c.RecipientKeySecret = []string{"127.0.0.1:1"}, app.DevRecipientKeySecret
		}, true},
		{"redis-url, a real secret", func(c *app.Config) {
			c.RedisURL, c.RecipientKeySecret = "redis://127.0.0.1:1/0", "a-real-secret-0123456789"
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := app.DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			if got := errors.Is(err, app.ErrSecretRequired); got != tc.refused {
				t.Fatalf("Validate: %v; refused %v, want %v", err, got, tc.refused)
			}
			if tc.refused && tc.name != "embedded, a short secret" && !strings.Contains(err.Error(), "RECIPIENT_KEY_SECRET or --recipient-key-secret-file") {
				t.Errorf("the error does not say how to set a secret: %v", err)
			}
		})
	}
}
