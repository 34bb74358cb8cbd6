package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNoRedis means redis-server is not on PATH; install it (Debian:
// apt-get install redis-server) and run again.
var ErrNoRedis = errors.New("redis-server is not installed (apt-get install redis-server); the bench starts its own on a free loopback port")

// child is one OS process the bench started and must stop.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	// done is closed when the process has exited; err is then its exit
	// error.
	done chan struct{}
	err  error
}

// startChild starts bin with args, its output in dir/<name>.log.
func startChild(name, dir, bin string, args, env []string) (*child, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace, then kills. It is safe to call
// more than once.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// diedError describes a child that exited when it should not have, with
// the end of its log.
func (c *child) diedError() error {
	return fmt.Errorf("%s (pid %d) exited: %v\n%s", c.name, c.pid(), c.err, tail(c.logPath, 20))
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freeAddr returns a loopback host:port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitFor polls check every interval until it returns true, the child
// exits, ctx ends, or timeout passes.
func waitFor(ctx context.Context, c *child, what string, timeout, interval time.Duration, check func(context.Context) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if check(ctx) {
			return nil
		}
		if c != nil && c.exited() {
			return c.diedError()
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("%s: not ready after %s", what, timeout)
			if c != nil {
				msg += "\n" + tail(c.logPath, 20)
			}
			return errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// startRedis starts redis-server on a free loopback port with its files
// in dir. With aof, persistence is the usual production setting:
// append-only file, fsync every second, Redis's default rewrites, no
// snapshots; without, none.
func startRedis(ctx context.Context, dir string, aof bool) (*child, string, error) {
	return startRedisServer(ctx, dir, "redis", aof)
}

// startRedisServer starts redis-server as startRedis does, logging to
// name.log in dir, with extra arguments.
func startRedisServer(ctx context.Context, dir, name string, aof bool, extra ...string) (*child, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", ErrNoRedis
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no"}
	if aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "everysec")
	} else {
		args = append(args, "--appendonly", "no")
	}
	c, err := startChild(name, dir, bin, append(args, extra...), nil)
	if err != nil {
		return nil, "", err
	}
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer client.Close()
	err = waitFor(ctx, c, "redis-server", 15*time.Second, 20*time.Millisecond, func(ctx context.Context) bool {
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		return client.Ping(pctx).Err() == nil
	})
	if err != nil {
		c.stop(5 * time.Second)
		return nil, "", err
	}
	return c, addr, nil
}

// startRedisNodes starts what a run counts in: one redis-server when
// masters is 0, else a Redis Cluster of that many masters
// (startRedisCluster). The caller stops every node.
func startRedisNodes(ctx context.Context, dir string, masters int, aof bool) ([]*child, []string, error) {
	if masters > 0 {
		return startRedisCluster(ctx, dir, masters, aof)
	}
	c, addr, err := startRedis(ctx, dir, aof)
	if err != nil {
		return nil, nil, err
	}
	return []*child{c}, []string{addr}, nil
}

// startRedisCluster starts masters redis-servers in cluster mode, each
// with its files in a directory of its own under dir, deals the 16,384
// hash slots out to them in even ranges, joins them and waits until
// every node serves every slot. No replicas: the bench measures the
// masters' work.
func startRedisCluster(ctx context.Context, dir string, masters int, aof bool) (nodes []*child, addrs []string, err error) {
	defer func() {
		if err != nil {
			for _, n := range nodes {
				n.stop(5 * time.Second)
			}
			nodes, addrs = nil, nil
		}
	}()
	busPorts := make([]string, masters)
	for i := range masters {
		nodeDir := filepath.Join(dir, "redis-"+strconv.Itoa(i+1))
		if err := os.Mkdir(nodeDir, 0o755); err != nil {
			return nodes, addrs, fmt.Errorf("redis node dir: %w", err)
		}
		bus, err := freeAddr()
		if err != nil {
			return nodes, addrs, err
		}
		_, busPorts[i], _ = net.SplitHostPort(bus)
		c, addr, err := startRedisServer(ctx, nodeDir, "redis", aof,
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", busPorts[i], "--cluster-node-timeout", "5000")
		if err != nil {
			return nodes, addrs, err
		}
		nodes, addrs = append(nodes, c), append(addrs, addr)
	}
	clients := make([]*redis.Client, masters)
	for i, addr := range addrs {
		clients[i] = redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer clients[i].Close()
	}
	for i, rdb := range clients {
		from, to := i*clusterSlots/masters, (i+1)*clusterSlots/masters-1
		if err := rdb.Do(ctx, "cluster", "addslotsrange", from, to).Err(); err != nil {
			return nodes, addrs, fmt.Errorf("cluster addslotsrange on %s: %w", addrs[i], err)
		}
		if i > 0 {
			host, port, _ := net.SplitHostPort(addrs[i])
			if err := clients[0].Do(ctx, "cluster", "meet", host, port, busPorts[i]).Err(); err != nil {
				return nodes, addrs, fmt.Errorf("cluster meet %s: %w", addrs[i], err)
			}
		}
	}
	for i, rdb := range clients {
		err := waitFor(ctx, nodes[i], "redis cluster", 60*time.Second, 50*time.Millisecond, func(ctx context.Context) bool {
			info, err := rdb.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_slots_ok:"+strconv.Itoa(clusterSlots)) &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(masters)+"\r\n")
		})
		if err != nil {
			return nodes, addrs, err
		}
	}
	return nodes, addrs, nil
}

// clusterSlots is the number of a Redis Cluster's hash slots.
const clusterSlots = 16384

// startBroker starts `processor broker` on a free loopback port and waits
// until it answers a metadata request.
func startBroker(ctx context.Context, cfg Config, dir string) (*child, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	c, err := startChild("broker", dir, cfg.Executable, []string{"broker", "--addr", addr}, cfg.Env)
	if err != nil {
		return nil, "", err
	}
	err = waitFor(ctx, c, "broker", 30*time.Second, 20*time.Millisecond, func(ctx context.Context) bool {
		return brokerAnswers(ctx, addr)
	})
	if err != nil {
		c.stop(5 * time.Second)
		return nil, "", err
	}
	return c, addr, nil
}

// recipientKeySecret keys recipient hashes in every processor the bench
// starts; it only has to be long enough.
const recipientKeySecret = "s321-bench-recipient-key-secret"

// peakRSSMB returns VmHWM of a process in MiB, or 0 where /proc has none.
func peakRSSMB(pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			fields := strings.Fields(string(rest))
			if len(fields) == 2 && fields[1] == "kB" {
				kb, err := strconv.ParseFloat(fields[0], 64)
				if err == nil {
					return round1(kb / 1024)
				}
			}
		}
	}
	return 0
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat:
// 100 on every Linux the bench runs on.
const clockTicks = 100

// cpuSeconds returns the user plus system CPU time a process has used, or
// 0 where /proc has none.
func cpuSeconds(pid int) float64 {
	own, _ := cpuSecondsWithChildren(pid)
	return own
}

// cpuSecondsWithChildren returns the user plus system CPU time a process
// has used itself, and that of its children it has waited for (Redis's
// forked append-only-file rewrites, once they end), or 0 where /proc has
// none.
func cpuSecondsWithChildren(pid int) (own, children float64) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	// The command name is in parentheses and may hold spaces: the fields
	// counted from the last ')' are state (3) onwards, so utime (14),
	// stime (15), cutime (16) and cstime (17) are the 12th to 15th.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 15 {
		return 0, 0
	}
	var ticks [4]float64
	for k := range ticks {
		v, err := strconv.ParseFloat(fields[11+k], 64)
		if err != nil {
			return 0, 0
		}
		ticks[k] = v
	}
	return (ticks[0] + ticks[1]) / clockTicks, (ticks[2] + ticks[3]) / clockTicks
}

// loadAverage returns the 1, 5 and 15 minute load averages, or nil where
// /proc/loadavg is missing.
func loadAverage() []float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return nil
	}
	out := make([]float64, 3)
	for i := range out {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return nil
		}
		out[i] = v
	}
	return out
}
