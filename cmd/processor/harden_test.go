package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/s321/s321/internal/app"
)

// Regression: `processor replay -h` printed RECIPIENT_KEY_SECRET and the
// password in REDIS_URL as the defaults of its flags.
func TestHelpShowsNoEnvironmentValue(t *testing.T) {
	for name, value := range map[string]string{
		"RECIPIENT_KEY_SECRET":      "secret-from-env-0123456789",
		"REDIS_URL":                 "redis://u:pw-from-env@r1:6379/0",
		"PROCESSOR_REDIS_URL":       "redis://u:pw-from-env@r2:6379/0",
		"KAFKA_SASL_PASSWORD":       "pw-from-env-kafka",
		"REDIS_PASSWORD":            "pw-from-env-redis",
		"PROCESSOR_HTTP_PASSWORD":   "pw-from-env-http",
		"PROCESSOR_WEB_CONFIG_FILE": "/secret-from-env/web.yml",
	} {
		t.Setenv(name, value)
	}
	for _, args := range [][]string{{"run", "-h"}, {"replay", "-h"}, {"broker", "-h"}, {"config", "check", "-h"},
		{"explain", "-h"}, {"generate", "-h"}, {"demo", "-h"}, {"dlq", "export", "-h"}, {"dlq", "resend", "-h"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if code != 0 || !strings.Contains(out, "-") {
			t.Errorf("%q: exit %d\n%s", args, code, out)
		}
		if strings.Contains(out, "from-env") {
			t.Errorf("%q prints a value from the environment:\n%s", args, out)
		}
	}
}

func writeManifests(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifests.jsonl")
	line := `{"parcel_id":"R-1","carrier":"DHL","arrival_time":"2024-05-01T14:00:00Z","recipient":{"name":"Ann Example","address_line1":"1 Sample Way","city":"Anytown","state":"NY","postal_code":"12345"},"items":[{"description":"cotton t-shirt","origin_country":"VN","value":"45.00"}]}` + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Regression: replay keyed recipients with the development secret, public
// in the source, when none was set, and took the secret as a flag. It now
// refuses to start without a real one, read from the environment or a
// file, and says how to set it.
func TestReplayNeedsARealSecret(t *testing.T) {
	input := writeManifests(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("replay-test-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no secret", nil, nil, 1, "set RECIPIENT_KEY_SECRET or --recipient-key-secret-file"},
		{"the development secret", map[string]string{"RECIPIENT_KEY_SECRET": app.DevRecipientKeySecret}, nil, 1, "the development secret must not be used by replay"},
		{"a secret flag", nil, []string{"--recipient-key-secret", "on-the-command-line-0123"}, 2, "flag provided but not defined"},
		{"from the environment", map[string]string{"RECIPIENT_KEY_SECRET": "replay-test-secret-0123456789"}, nil, 0, "1 lines: 1 decisions"},
		{"from a file", nil, []string{"--recipient-key-secret-file", secretFile}, 0, "1 lines: 1 decisions"},
		{"both", map[string]string{"RECIPIENT_KEY_SECRET": "replay-test-secret-0123456789"}, []string{"--recipient-key-secret-file", secretFile}, 1, "give one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("RECIPIENT_KEY_SECRET", "")
			t.Setenv("REDIS_URL", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"replay", "--input", input}, tc.args...), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d and %q:\n%s", code, tc.code, tc.want, out)
			}
		})
	}
}

// Regression: `run --redis-url` started on the development secret.
func TestRunWithRedisNeedsARealSecret(t *testing.T) {
	t.Setenv("RECIPIENT_KEY_SECRET", "")
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--redis-url", "redis://127.0.0.1:1/0", "--http-addr", ""}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "required with --brokers or --redis-url") ||
		!strings.Contains(stderr.String(), "RECIPIENT_KEY_SECRET or --recipient-key-secret-file") {
		t.Errorf("exit %d:\n%s", code, stderr.String())
	}
}

// hostileExplanation is an answer of /v1/parcels whose values carry
// terminal escape sequences, as a carrier could send them.
const hostileExplanation = `{"parcel_id":"X-1","decision":{"decision":"cleared","carrier":"DHL\u001b]0;owned\u0007\u001b[2J","arrival_time":"2024-05-01T14:00:00Z","entry_date":"2024-05-01","parcel_value":"1.00","recipient_key":"abc","recipient_day_total":"1.00"},
"history":[{}],"regime":null,"reasons":[{"code":"X\u009b31m","meaning":"m\nforged line"}],"day":null,"day_parcels_at_the_time":[],"alerts":[]}`

// Regression: `processor explain` printed the input's text as it was, so
// a carrier name could send escape sequences to the operator's terminal.
// The fake server stands in for a processor's answer: what is under test
// is what explain prints.
func TestExplainEscapesControlCharacters(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, password, ok := r.BasicAuth(); !ok || user != "ops" || password != "http-password-0123" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/v1/parcels/X-1" {
			_, _ = w.Write([]byte(hostileExplanation))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("{\"error\":\"no parcel \\u001b[2J\"}"))
	}))
	defer server.Close()
	addr := strings.TrimPrefix(server.URL, "http://")
	t.Setenv("PROCESSOR_HTTP_PASSWORD", "http-password-0123")
	for _, args := range [][]string{{"X-1"}, {"--json", "X-1"}, {"NOPE"}} {
		var stdout, stderr bytes.Buffer
		run(append([]string{"explain", "--http-addr", addr, "--user", "ops"}, args...), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		for _, control := range []string{"\x1b", "\x07", "\u009b", "\nforged line"} {
			if strings.Contains(out, control) {
				t.Errorf("explain %q prints %q raw:\n%q", args, control, out)
			}
		}
		if !strings.Contains(out, `\u001b`) {
			t.Errorf("explain %q: the escape is not shown escaped:\n%s", args, out)
		}
	}
	var stderr bytes.Buffer
	t.Setenv("PROCESSOR_HTTP_PASSWORD", "")
	if code := run([]string{"explain", "--http-addr", addr, "X-1"}, &bytes.Buffer{}, &stderr); code != 1 || !strings.Contains(stderr.String(), "asks for credentials") {
		t.Errorf("without credentials: exit %d %s", code, stderr.String())
	}
}

// Regression: `processor broker` on every interface without TLS and SASL
// said nothing of it. (The context is cancelled: it stops at once.)
func TestBrokerWarnsWhenExposed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for addr, warns := range map[string]bool{"0.0.0.0:0": true, "127.0.0.1:0": false} {
		var stdout, stderr bytes.Buffer
		if err := runBroker(ctx, []string{"--addr", addr}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(stderr.String(), "WARNING: the broker listens beyond loopback"); got != warns {
			t.Errorf("--addr %s: warned %v, want %v: %q", addr, got, warns, stderr.String())
		}
	}
}

// TestReplayGCPercent: replay sets the collector's target from
// --gc-percent, unless GOGC is set, and refuses a target below 1.
func TestReplayGCPercent(t *testing.T) {
	input := writeManifests(t)
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		name   string
		gogc   string // "": unset
		args   []string
		code   int
		target int // the collector's target afterwards; 0: not checked
	}{
		{"the flag", "", []string{"--gc-percent", "250"}, 0, 250},
		{"the default", "", nil, 0, defaultReplayGCPercent},
		{"GOGC wins", "150", []string{"--gc-percent", "250"}, 0, 100},
		{"below 1", "", []string{"--gc-percent", "0"}, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("RECIPIENT_KEY_SECRET", "replay-test-secret-0123456789")
			t.Setenv("REDIS_URL", "")
			t.Setenv("GOGC", tc.gogc)
			if tc.gogc == "" {
				os.Unsetenv("GOGC") // t.Setenv restores it
			}
			debug.SetGCPercent(100)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"replay", "--input", input}, tc.args...), &stdout, &stderr)
			target := debug.SetGCPercent(100)
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s%s", code, tc.code, stdout.String(), stderr.String())
			}
			if tc.target != 0 && target != tc.target {
				t.Errorf("collector's target %d, want %d", target, tc.target)
			}
		})
	}
}

// TestBrokerMaxProcs: the broker runs Go code on --max-procs threads,
// unless GOMAXPROCS is set, leaves Go's choice at 0 and refuses less.
// (The context is cancelled: it stops at once.)
func TestBrokerMaxProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	const before = 3 // what the process has when the broker starts
	tests := []struct {
		name   string
		env    string // GOMAXPROCS; "": unset
		args   []string
		usage  bool // refused
		procs  int
		stderr string
	}{
		{"the default", "", nil, false, defaultBrokerMaxProcs, ""},
		{"the flag", "", []string{"--max-procs", "2"}, false, 2, ""},
		{"the variable", "", nil, false, 4, ""},
		{"0, Go's choice", "", []string{"--max-procs", "0"}, false, before, ""},
		{"GOMAXPROCS wins", "5", []string{"--max-procs", "2"}, false, before, ""},
		{"below 0", "", []string{"--max-procs", "-1"}, true, before, "--max-procs -1: must be 0 (one a core) or more"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMAXPROCS", tc.env)
			if tc.env == "" {
				os.Unsetenv("GOMAXPROCS") // t.Setenv restores it
			}
			t.Setenv("PROCESSOR_MAX_PROCS", "4")
			if tc.name != "the variable" {
				os.Unsetenv("PROCESSOR_MAX_PROCS")
			}
			runtime.GOMAXPROCS(before)
			var stdout, stderr bytes.Buffer
			err := runBroker(ctx, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), &stdout, &stderr)
			if got := runtime.GOMAXPROCS(0); got != tc.procs {
				t.Errorf("GOMAXPROCS %d, want %d", got, tc.procs)
			}
			if errors.Is(err, errUsage) != tc.usage || (err != nil && !tc.usage) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("%v, %q; want refused %v and %q", err, stderr.String(), tc.usage, tc.stderr)
			}
		})
	}
}

// TestReplayWritesAlerts: --alerts writes every alert version the summary
// counts, as alert.v1, beside the decisions of --out, and may not name
// --out's file.
func TestReplayWritesAlerts(t *testing.T) {
	t.Setenv("RECIPIENT_KEY_SECRET", "replay-test-secret-0123456789")
	t.Setenv("REDIS_URL", "")
	input := filepath.Join("..", "..", "internal", "replay", "testdata", "examples.jsonl")
	dir := t.TempDir()
	decisions, alerts := filepath.Join(dir, "decisions.jsonl"), filepath.Join(dir, "alerts.jsonl")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"replay", "--input", input, "--out", decisions, "--alerts", alerts}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for path, want := range map[string]struct {
		schema string
		lines  int
	}{decisions: {"decision.v1", 6}, alerts: {"alert.v1", 1}} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != want.lines {
			t.Errorf("%s: %d lines, want %d", filepath.Base(path), len(lines), want.lines)
		}
		for _, line := range lines {
			if !strings.Contains(line, `"schema":"`+want.schema+`"`) {
				t.Errorf("%s: not %s: %s", filepath.Base(path), want.schema, line)
			}
		}
	}
	if want := "6 decisions, 1 rejected, 1 alert versions"; !strings.Contains(stdout.String(), want) {
		t.Errorf("summary %q, want %q", stdout.String(), want)
	}

	stderr.Reset()
	if code := run([]string{"replay", "--input", input, "--out", decisions, "--alerts", dir + "/./decisions.jsonl"}, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "is --out too") {
		t.Errorf("--alerts naming --out's file: exit %d, %q", code, stderr.String())
	}
}
