// Package testenv starts the real pieces integration tests run against: a
// redis-server process on a free loopback port. It is imported by tests
// only.
package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a redis-server process owned by one test.
type Redis struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
	t    testing.TB
	args []string
	// exited is closed when the process started last has exited.
	exited chan struct{}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreePortArg stands, in StartRedis's extra arguments, for a port that is
// free when the server starts (a cluster bus port, say); it is drawn again
// with the server's own port when the server must start again.
const FreePortArg = "{free-port}"

// StartRedis starts redis-server on a free port with its data in a
// temporary directory (append-only file on, so a restart keeps the data),
// and stops it when the test ends. The test fails when redis-server is not
// installed: the README's test command installs it.
//
// A port free a moment ago may be taken by another test's process before
// redis-server binds it; when the server exits because an address is in
// use, it is started again on other ports, a few times.
func StartRedis(t testing.TB, extraArgs ...string) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (the README's test command installs it): %v", err)
	}
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		port := FreePort(t)
		args := []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
			"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
		}
		for _, arg := range extraArgs {
			if arg == FreePortArg {
				arg = strconv.Itoa(FreePort(t))
			}
			args = append(args, arg)
		}
		r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, t: t, args: append([]string{bin}, args...)}
		err := r.start()
		if err == nil {
			t.Cleanup(r.Stop)
			return r
		}
		if attempt == 5 || !strings.Contains(r.log(), "Address already in use") {
			t.Fatalf("%v\n%s", err, r.log())
		}
		_ = os.Remove(filepath.Join(dir, "redis.log"))
	}
}

// Start starts the server (again) and waits until it answers PING.
func (r *Redis) Start() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatalf("%v\n%s", err, r.log())
	}
}

// start starts the server and waits until it answers PING; it fails when
// the server exits first or does not answer within 10 seconds.
func (r *Redis) start() error {
	r.cmd = exec.Command(r.args[0], r.args[1:]...)
	if err := r.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := r.watch()
	client := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			r.cmd = nil
			return fmt.Errorf("redis-server on %s exited at start", r.Addr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer: %w", r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// watch reaps the process just started and returns a channel closed when
// it has exited. Wait is the one call that reaps it; Stop waits on the
// channel rather than calling it again.
func (r *Redis) watch() chan struct{} {
	exited := make(chan struct{})
	cmd := r.cmd
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	r.exited = exited
	return exited
}

// Stop stops the server and waits for it to exit.
func (r *Redis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	r.cmd = nil
}

// URL is the redis:// URL of the server.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// Client returns a client of the server, closed when the test ends.
func (r *Redis) Client() *redis.Client {
	client := redis.NewClient(&redis.Options{Addr: r.Addr})
	r.t.Cleanup(func() { _ = client.Close() })
	return client
}

func (r *Redis) log() string {
	f, err := os.Open(filepath.Join(r.Dir, "redis.log"))
	if err != nil {
		return ""
	}
	defer f.Close()
	var out string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out += sc.Text() + "\n"
	}
	return out
}
