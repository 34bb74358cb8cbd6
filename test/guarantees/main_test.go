package guarantees

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// processorBin is the processor command TestMain built with the race
// detector; every process these tests start (processor and broker) runs it.
var processorBin string

// TestMain builds cmd/processor once, with -race, into a temporary
// directory, so that each test runs the real command as its own OS
// process. With -short it builds nothing and every test skips itself.
// S321_PROCESSOR_BIN names an already built processor to use instead (to
// test a snapshot while the tree is being edited); S321_KEEP_LOGS names a
// directory to copy every process's log to.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	if bin := os.Getenv("S321_PROCESSOR_BIN"); bin != "" {
		processorBin = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "s321-guarantees-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "guarantees:", err)
		os.Exit(1)
	}
	processorBin, err = buildProcessor(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "guarantees:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildProcessor runs `go build -race -o <dir>/processor ./cmd/processor`
// in the module root, found with `go env GOMOD`.
func buildProcessor(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the module")
	}
	bin := filepath.Join(dir, "processor")
	cmd := exec.Command(goBin, "build", "-race", "-o", bin, "./cmd/processor")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build processor: %w\n%s", err, out)
	}
	return bin, nil
}

// skipShort skips the calling test under -short: these tests start
// processes and take seconds to minutes.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end guarantee tests start processes; skipped with -short")
	}
}

// proc is one child process of a test: the processor or the broker. Its
// standard output and error go to a log file in the test's temporary
// directory.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	// done is closed once the process has exited; exitCode is valid then.
	done     chan struct{}
	exitCode int
}

// startProc starts the processor command with args. The process is
// killed, if still running, when the test ends, and the test fails if the
// race detector reported anything in its log.
func startProc(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(processorBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		p.exitCode = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
		logText := p.log(t)
		if dir := os.Getenv("S321_KEEP_LOGS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".log"), []byte(logText), 0o644)
		}
		if strings.Contains(logText, "WARNING: DATA RACE") || strings.Contains(logText, "panic:") {
			t.Errorf("%s: data race or panic in its log:\n%s", name, tail(logText, 8000))
		} else if t.Failed() {
			t.Logf("%s log (tail):\n%s", name, tail(logText, 4000))
		}
	})
	return p
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// log returns what the process has written so far.
func (p *proc) log(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Fatalf("read %s log: %v", p.name, err)
	}
	return string(data)
}

// signal sends sig and waits up to within for the process to exit. It
// returns the exit code and how long the exit took.
func (p *proc) signal(t *testing.T, sig syscall.Signal, within time.Duration) (int, time.Duration) {
	t.Helper()
	sent := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.exitCode, time.Since(sent)
	case <-timer.C:
		t.Fatalf("%s did not exit within %s of %s\n%s", p.name, within, sig, tail(p.log(t), 4000))
		return -1, 0
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// brokerProc is `processor broker` running on a fixed address, so that it
// can be stopped and started again where the processors expect it.
type brokerProc struct {
	t       *testing.T
	addr    string
	dataDir string // empty: topics in memory only
	proc    *proc
	starts  int
}

// startBroker starts the broker on a free loopback port and waits until
// it accepts connections.
func startBroker(t *testing.T, dataDir string) *brokerProc {
	t.Helper()
	b := &brokerProc{t: t, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), dataDir: dataDir}
	b.start()
	return b
}

// start starts the broker (again) on its address and data directory.
func (b *brokerProc) start() {
	b.t.Helper()
	b.starts++
	args := []string{"broker", "--addr", b.addr}
	if b.dataDir != "" {
		args = append(args, "--data-dir", b.dataDir)
	}
	b.proc = startProc(b.t, fmt.Sprintf("broker-%d", b.starts), nil, args...)
	poll(b.t, 30*time.Second, "broker listening on "+b.addr, func() bool {
		if b.proc.exited() {
			b.t.Fatalf("broker exited with %d:\n%s", b.proc.exitCode, b.proc.log(b.t))
		}
		return strings.Contains(b.proc.log(b.t), "broker listening on")
	})
}

// stop sends SIGTERM, so that the broker writes its data directory, and
// waits for a clean exit.
func (b *brokerProc) stop() {
	b.t.Helper()
	if code, _ := b.proc.signal(b.t, syscall.SIGTERM, 30*time.Second); code != 0 {
		b.t.Fatalf("broker exited with %d after SIGTERM:\n%s", code, b.proc.log(b.t))
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// poll calls cond every 50ms until it returns true, and fails the test
// with what it was waiting for when timeout passes first.
func poll(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !pollUntil(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// pollUntil calls cond every 50ms until it returns true (then true) or
// timeout passes (then false).
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// during calls f every 100ms for d: it paces the observations of an outage
// that lasts a fixed time, rather than waiting for a result.
func during(d time.Duration, f func()) {
	end := time.NewTimer(d)
	defer end.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		f()
		select {
		case <-end.C:
			return
		case <-tick.C:
		}
	}
}

// httpClient has a short timeout, so a poll never hangs on one request.
var httpClient = &http.Client{Timeout: 2 * time.Second}

// httpGet returns the status code and body of GET url, or an error.
func httpGet(url string) (int, string, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, err = body.ReadFrom(resp.Body)
	return resp.StatusCode, body.String(), err
}
