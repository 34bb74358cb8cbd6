package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/testenv"
)

// TestMain lets the test binary act as the processor command, so the tests
// below run it as a separate OS process, as a user would, without a go
// build step.
func TestMain(m *testing.M) {
	if os.Getenv("S321_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is a processor command running as a child process.
type process struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	done   chan error
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "S321_TEST_RUN_MAIN=1"), env...)
	p := &process{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	// The buffers are read only after the process has exited (done).
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop sends SIGTERM and returns the exit code.
func (p *process) stop(t *testing.T, within time.Duration) int {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("no exit within %s of SIGTERM", within)
		return -1
	}
}

func waitHTTP(t *testing.T, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not 200 after %s (last error %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func kcat(t *testing.T, stdin io.Reader, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat is not installed (the README's test command installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestExampleStreamWithKcat runs `processor run` as its own process on the
// embedded broker and a real redis-server, sends the contract's example
// stream with kcat, reads every output topic back with kcat, and stops the
// processor with SIGTERM.
func TestExampleStreamWithKcat(t *testing.T) {
	dir := testenv.ContractExamples(t)
	redis := testenv.StartRedis(t)
	kafkaAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	p := start(t, []string{"REDIS_URL=" + redis.URL(), "RECIPIENT_KEY_SECRET=kcat-test-secret-0123456789"},
		"run", "--embedded-kafka-addr", kafkaAddr, "--http-addr", httpAddr, "--partitions", "4", "--huge-pages")
	waitHTTP(t, "http://"+httpAddr+"/readyz", 30*time.Second)

	input, err := os.ReadFile(filepath.Join(dir, "input.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	kcat(t, bytes.NewReader(input), "-P", "-b", kafkaAddr, "-t", "manifests", "-K", "\t")
	testenv.NewKafka(t, []string{kafkaAddr}).WaitCaughtUp("s321-processor", "manifests", 30*time.Second)

	read := func(topic string) [][]byte {
		out := kcat(t, nil, "-C", "-b", kafkaAddr, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n")
		var values [][]byte
		for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
			if len(line) > 0 {
				values = append(values, line)
			}
		}
		return values
	}
	testenv.CheckContractExamples(t, dir, testenv.Outputs{
		Cleared: read("parcels.cleared"),
		Formal:  read("parcels.formal-entry-required"),
		Alerts:  read("alerts.split-shipment"),
		DLQ:     read("manifests.dlq"),
	})

	// Ask why, as a person would: one cleared parcel, one refused for the
	// day total (and listed in the split alert).
	for parcel, wants := range map[string][]string{
		"PUB-1": {"parcel PUB-1: cleared (de minimis)", "regime us-321-800"},
		"PUB-2": {"DAILY_TOTAL_OVER_THRESHOLD", "day total $850.00", "<- this parcel", "alert split_shipment, version 1"},
		"PUB-5": {"ORIGIN_EXCLUDED", "us-321-800-cn-hk-excluded", "Executive Order 14256"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"explain", "--http-addr", httpAddr, parcel}, &stdout, &stderr); code != 0 {
			t.Fatalf("explain %s: exit %d: %s", parcel, code, stderr.String())
		}
		for _, want := range wants {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("explain %s lacks %q:\n%s", parcel, want, stdout.String())
			}
		}
	}
	var stderr bytes.Buffer
	if code := run([]string{"explain", "--http-addr", httpAddr, "NO-SUCH-PARCEL"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "404") {
		t.Errorf("explain of an unknown parcel: exit %d, %q", code, stderr.String())
	}

	if code := p.stop(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, p.stderr)
	}
	logs := p.stderr.String()
	for _, private := range []string{"Ann Example", "ANN EXAMPLE", "Sample Way", "SAMPLE WAY", "12345"} {
		if strings.Contains(logs, private) {
			t.Errorf("the log contains recipient data %q", private)
		}
	}
	if !strings.Contains(logs, `"processor stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", logs)
	}
	// On the embedded broker with --huge-pages, run backs its heap with
	// huge pages where the machine allows it, and says which.
	if !strings.Contains(logs, `"heap advised for transparent huge pages"`) && !strings.Contains(logs, `"heap not advised for transparent huge pages"`) {
		t.Errorf("the log does not say what was done with the heap:\n%s", logs)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage: processor"},
		{"unknown command", []string{"fly"}, 2, `unknown command "fly"`},
		{"unknown flag", []string{"run", "--no-such-flag"}, 2, "flag provided but not defined"},
		{"bad zone", []string{"run", "--entry-day-tz", "Mars/Olympus"}, 1, "entry-day-tz"},
		{"brokers without a secret", []string{"run", "--brokers", "127.0.0.1:1"}, 1, "recipient-key-secret: required with --brokers"},
		{"help", []string{"run", "-h"}, 0, "-entry-day-tz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			t.Setenv("RECIPIENT_KEY_SECRET", "")
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.want) {
				t.Errorf("run(%q) = %d, output %q; want %d and %q", tc.args, code, stdout.String()+stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// TestSIGHUPReloadsTheTables sends SIGHUP to `processor run` as its own
// process: main owns the signal and asks the app to reload, which counts
// the reload on /metrics.
func TestSIGHUPReloadsTheTables(t *testing.T) {
	regimes := filepath.Join(t.TempDir(), "regimes.json")
	if err := os.WriteFile(regimes, decide.BuiltinJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	kafkaAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	p := start(t, nil, "run", "--embedded-kafka-addr", kafkaAddr, "--http-addr", httpAddr,
		"--partitions", "1", "--regimes", regimes, "--reload-interval", "0")
	waitHTTP(t, "http://"+httpAddr+"/healthz", 30*time.Second)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(httpGet(t, "http://"+httpAddr+"/metrics"), "\ns321_table_reloads_total 1\n") {
		if time.Now().After(deadline) {
			t.Fatal("s321_table_reloads_total is not 1 within 10s of SIGHUP")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := p.stop(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", code, p.stderr)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestHelpSaysWhatTheCommandDoes: every command's -h starts with a
// sentence naming the command and saying what it does, before the usage
// line and the flags.
func TestHelpSaysWhatTheCommandDoes(t *testing.T) {
	for _, args := range [][]string{
		{"run"}, {"config", "check"}, {"broker"}, {"demo"}, {"replay"},
		{"explain"}, {"generate"}, {"dlq", "export"}, {"dlq", "resend"},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append(args, "-h"), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, "processor "+args[0]+" ") || strings.HasPrefix(first, "processor "+args[0]+" [") {
				t.Errorf("-h starts with %q, want a sentence about processor %s", first, args[0])
			}
			if _, usage, _ := strings.Cut(stderr.String(), "usage: "); !strings.Contains(usage, "processor "+name+" ") {
				t.Errorf("-h has no usage line for %s:\n%s", name, stderr.String())
			}
		})
	}
}
