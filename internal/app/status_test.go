package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/testenv"
)

// statusBody is the part of GET /v1/status the tests read.
type statusBody struct {
	Ready      bool             `json:"ready"`
	Counters   map[string]int64 `json:"counters"`
	Throughput struct {
		WindowSeconds     float64   `json:"window_seconds"`
		ConsumedPerSecond float64   `json:"consumed_per_second"`
		History           []float64 `json:"history"`
	} `json:"throughput"`
	Reasons []struct {
		Reason string `json:"reason"`
		Count  int64  `json:"count"`
	} `json:"reasons"`
	Lag struct {
		Messages   int64  `json:"messages"`
		Partitions int    `json:"partitions"`
		Error      string `json:"error"`
	} `json:"lag"`
	RecentAlerts []struct {
		Type      string `json:"type"`
		Subject   string `json:"subject"`
		EntryDate string `json:"entry_date"`
		Parcels   int    `json:"parcels"`
		DayTotal  string `json:"day_total"`
		Version   int64  `json:"version"`
	} `json:"recent_alerts"`
}

// startWithTraffic runs a processor on the embedded broker and store, sends
// it generated traffic with many split shipments, and waits until it has
// committed everything.
func startWithTraffic(t *testing.T, messages int) (*app.App, app.Config) {
	t.Helper()
	cfg := testConfig("")
	a := startApp(t, cfg)
	genCfg := generate.DefaultConfig()
	genCfg.Seed = 7
	genCfg.Recipients = 300
	genCfg.SplitShare = 0.1
	gen, err := generate.New(genCfg)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]testenv.Message, messages)
	for i := range batch {
		m := gen.Next()
		batch[i] = testenv.Message{Key: m.Key, Value: m.Value}
	}
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, batch)
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	return a, cfg
}

func getStatus(t *testing.T, a *app.App) (statusBody, string) {
	t.Helper()
	resp, err := http.Get("http://" + a.HTTPAddr() + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/status: %d %v", resp.StatusCode, err)
	}
	var body statusBody
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return body, string(raw)
}

// TestStatusJSON checks /v1/status against the processor's own counters,
// once everything sent is committed: no lag, every alert summarized without
// the full recipient key.
func TestStatusJSON(t *testing.T) {
	a, _ := startWithTraffic(t, 1500)
	body, raw := getStatus(t, a)
	ps, cs := a.Stats(), a.ConsumerStats()
	checks := map[string]int64{
		"consumed":              cs.Consumed.Load(),
		"published":             cs.Published.Load(),
		"cleared":               ps.Cleared.Load(),
		"formal_entry_required": ps.FormalEntryRequired.Load(),
		"rejected":              ps.Rejected.Load(),
		"alerts":                ps.Alerts.Load(),
	}
	for name, want := range checks {
		if got := body.Counters[name]; got != want {
			t.Errorf("counters.%s = %d, want %d", name, got, want)
		}
	}
	if body.Counters["consumed"] != 1500 {
		t.Errorf("consumed %d, want 1500", body.Counters["consumed"])
	}
	if !body.Ready {
		t.Error("not ready")
	}
	if body.Lag.Error != "" || body.Lag.Messages != 0 || body.Lag.Partitions != 3 {
		t.Errorf("lag %+v, want 0 messages over 3 partitions", body.Lag)
	}
	if len(body.Reasons) != 5 {
		t.Errorf("%d reasons, want the contract's 5", len(body.Reasons))
	}
	if ps.Alerts.Load() == 0 {
		t.Fatal("the traffic raised no alert: the test exercises too little")
	}
	if n := len(body.RecentAlerts); n == 0 || n > 20 {
		t.Fatalf("%d recent alerts, want 1 to 20", n)
	}
	for _, alert := range body.RecentAlerts {
		if len([]rune(alert.Subject)) != 13 || !strings.HasSuffix(alert.Subject, "…") || alert.Parcels < 2 || alert.Version < 1 || alert.DayTotal == "" {
			t.Errorf("alert summary %+v: want a 12-character key and …, 2+ parcels, a version and a total", alert)
		}
	}
	if regexp.MustCompile(`[0-9a-f]{64}`).MatchString(raw) {
		t.Error("/v1/status shows a whole recipient key")
	}
}

// TestStatusPageInChromium loads the status page in headless Chromium
// after traffic, lets its script poll /v1/status, and checks the rendered
// DOM shows the processor's figures. SCREENSHOT_DIR, when set, keeps a
// screenshot of the page there.
func TestStatusPageInChromium(t *testing.T) {
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			chromium = path
			break
		}
	}
	if chromium == "" {
		t.Skip("chromium is not installed (Debian package chromium): the status page is not checked in a browser")
	}
	a, _ := startWithTraffic(t, 1500)
	url := "http://" + a.HTTPAddr() + "/"
	// Regression: a processor fast enough to take the traffic within its
	// first throughput sample left the page with no rate to show ("—").
	// The rate needs two samples, a second apart: wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for body, _ := getStatus(t, a); body.Throughput.WindowSeconds == 0; body, _ = getStatus(t, a) {
		if time.Now().After(deadline) {
			t.Fatal("/v1/status has no throughput window after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	browse := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
			"--user-data-dir=" + t.TempDir(),
			// Run the page's timers and fetches for a few virtual seconds
			// before the DOM is dumped.
			"--virtual-time-budget=5000"}
		cmd := exec.CommandContext(ctx, chromium, append(append(base, args...), url)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	dom := string(browse("--dump-dom"))
	text := func(id string) string {
		m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("no element #%s in the DOM:\n%s", id, dom)
		}
		return m[1]
	}
	if !strings.Contains(dom, `data-state="live"`) {
		t.Fatalf("the page never rendered a status (body not live):\n%s", dom)
	}
	ps, cs := a.Stats(), a.ConsumerStats()
	for id, want := range map[string]int64{
		"consumed": cs.Consumed.Load(), "cleared": ps.Cleared.Load(), "formal": ps.FormalEntryRequired.Load(),
		"rejected": ps.Rejected.Load(), "alerts": ps.Alerts.Load(), "lag": 0,
	} {
		if got := text(id); got != grouped(want) {
			t.Errorf("#%s shows %q, want %q", id, got, grouped(want))
		}
	}
	if got := text("ready"); got != "ready" {
		t.Errorf("#ready shows %q", got)
	}
	if got := text("throughput"); !regexp.MustCompile(`^[0-9][0-9,]*(\.[0-9])?$`).MatchString(got) {
		t.Errorf("#throughput shows %q, want a rate", got)
	}
	for _, rc := range ps.Reasons() {
		row := regexp.MustCompile(`<tr data-reason="` + rc.Reason + `"><td><code>` + rc.Reason + `</code></td><td class="num count">([^<]*)</td>`).FindStringSubmatch(dom)
		if row == nil || row[1] != grouped(rc.Count) {
			t.Errorf("reason %s: row %v, want count %s", rc.Reason, row, grouped(rc.Count))
		}
	}
	alertRows := regexp.MustCompile(`<tr class="alert"><td>split shipment</td><td><code>[0-9a-f]{12}…</code></td><td>\d{4}-\d{2}-\d{2}</td>`).FindAllString(dom, -1)
	if len(alertRows) == 0 || len(alertRows) > 20 {
		t.Errorf("%d alert rows, want 1 to 20", len(alertRows))
	}

	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := filepath.Join(dir, "status-page.png")
	browse("--screenshot="+shot, "--window-size=1280,900", "--hide-scrollbars")
	if info, err := os.Stat(shot); err != nil || info.Size() < 10000 {
		t.Errorf("screenshot %s: %v (%v bytes)", shot, err, info)
	}
}

// grouped writes n as the page does (en-US grouping: 12,345).
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestStatusPageIsSelfContained(t *testing.T) {
	a := startApp(t, testConfig(""))
	resp, err := http.Get("http://" + a.HTTPAddr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, external := range []string{`src="http`, `href="http`, `@import`, `url(http`, `<link`} {
		if strings.Contains(string(page), external) {
			t.Errorf("the page loads something from elsewhere: %s", external)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("no restrictive Content-Security-Policy: %q", resp.Header.Get("Content-Security-Policy"))
	}
	if resp, err := http.Get("http://" + a.HTTPAddr() + "/nothing-here"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %v %v, want 404", resp.StatusCode, err)
	}
}
