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

// StartRedis starts redis-server on a free port with its data in a
// temporary directory (append-only file on, so a restart keeps the data),
// and stops it when the test ends. The test fails when redis-server is not
// installed: the README's test command installs it.
func StartRedis(t testing.TB, extraArgs ...string) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (the README's test command installs it): %v", err)
	}
	port := FreePort(t)
	dir := t.TempDir()
	args := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
	}, extraArgs...)
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, t: t, args: append([]string{bin}, args...)}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start starts the server (again) and waits until it answers PING.
func (r *Redis) Start() {
	r.t.Helper()
	r.cmd = exec.Command(r.args[0], r.args[1:]...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	client := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer: %v\n%s", r.Addr, err, r.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server and waits for it to exit.
func (r *Redis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
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
