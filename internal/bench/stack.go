package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// stack is one set of child processes: redis-server, the broker, and the
// processors once started. Every run gets a fresh one.
type stack struct {
	cfg    Config
	dir    string
	redis  []*child // one server, or a cluster's masters
	broker *child
	// redisAddrs are the addresses of redis, in its order.
	redisAddrs []string
	brokerAddr string
	procs      []*child
	httpAddrs  []string // the processors' HTTP addresses
	kafka      *kafkaClient
}

// newStack starts redis-server (or a Redis Cluster of cfg.RedisMasters
// masters) and the broker and creates the topics. The caller must close
// it.
func newStack(ctx context.Context, cfg Config) (s *stack, err error) {
	dir, err := os.MkdirTemp("", "s321-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	s = &stack{cfg: cfg, dir: dir}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.redis, s.redisAddrs, err = startRedisNodes(ctx, dir, cfg.RedisMasters, cfg.RedisAOF); err != nil {
		return nil, err
	}
	if s.broker, s.brokerAddr, err = startBroker(ctx, cfg, dir); err != nil {
		return nil, err
	}
	pids := make([]string, len(s.redis))
	for i, r := range s.redis {
		pids[i] = strconv.Itoa(r.pid())
	}
	logf(cfg.Log, "redis-server pid %s on %s, broker pid %d on %s", strings.Join(pids, ","), strings.Join(s.redisAddrs, ","), s.broker.pid(), s.brokerAddr)
	if err = createTopics(ctx, s.brokerAddr, cfg.Partitions); err != nil {
		return nil, err
	}
	s.kafka = newKafkaClient(s.brokerAddr)
	return s, nil
}

// startProcessors starts cfg.Instances processors together, so they join
// one group generation, and returns the instant the first answered
// /readyz with 200, when consuming begins.
func (s *stack) startProcessors(ctx context.Context, maxBatch int) (time.Time, error) {
	urls := make([]string, s.cfg.Instances)
	for i := range s.cfg.Instances {
		httpAddr, err := freeAddr()
		if err != nil {
			return time.Time{}, err
		}
		args := []string{
			"run",
			"--brokers", s.brokerAddr,
			"--redis-url", s.redisURL(),
			"--http-addr", httpAddr,
			"--partitions", strconv.Itoa(s.cfg.Partitions),
			"--max-batch", strconv.Itoa(maxBatch),
			"--shutdown-timeout", "10s",
		}
		env := append([]string{"RECIPIENT_KEY_SECRET=" + recipientKeySecret}, s.cfg.Env...)
		c, err := startChild("processor-"+strconv.Itoa(i+1), s.dir, s.cfg.Executable, args, env)
		if err != nil {
			return time.Time{}, err
		}
		s.procs = append(s.procs, c)
		s.httpAddrs = append(s.httpAddrs, httpAddr)
		urls[i] = "http://" + httpAddr + "/readyz"
		logf(s.cfg.Log, "processor %d pid %d, http %s, --max-batch %d", i+1, c.pid(), httpAddr, maxBatch)
	}
	client := &http.Client{Timeout: time.Second}
	ready := func(ctx context.Context, url string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	var first time.Time
	readyAll := make([]bool, len(urls))
	deadline := time.Now().Add(60 * time.Second)
	for {
		all := true
		for i, url := range urls {
			if readyAll[i] {
				continue
			}
			if s.procs[i].exited() {
				return time.Time{}, s.procs[i].diedError()
			}
			if ready(ctx, url) {
				readyAll[i] = true
				if first.IsZero() {
					first = time.Now()
				}
			} else {
				all = false
			}
		}
		if all {
			return first, nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("processors not ready after 60s\n%s", tail(s.procs[0].logPath, 20))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// redisURL is the processors' --redis-url: the server, or every master of
// the cluster.
func (s *stack) redisURL() string {
	if s.cfg.RedisMasters == 0 {
		return "redis://" + s.redisAddrs[0] + "/0"
	}
	return "redis+cluster://" + strings.Join(s.redisAddrs, ",") + "/"
}

// peakRSSMB returns the largest VmHWM among the processors and each one's.
func (s *stack) peakRSSMB() (float64, []float64) {
	var peak float64
	each := make([]float64, len(s.procs))
	for i, p := range s.procs {
		each[i] = peakRSSMB(p.pid())
		peak = max(peak, each[i])
	}
	return peak, each
}

// CPUSeconds is the CPU time (user and system) each kind of child used
// during a run, in seconds: where the machine's cores went.
type CPUSeconds struct {
	Processors float64 `json:"processors"`
	Broker     float64 `json:"broker"`
	Redis      float64 `json:"redis"`
	// RedisRewrites is the CPU time of redis-server's forked children
	// that ended during the run (a drain's also those it set off that end
	// after it: see rewritesAfter): its append-only-file rewrites, which
	// take cores from the others but are not in Redis.
	RedisRewrites float64 `json:"redis_rewrites"`
	// Bench is this process's own: its producer of a paced stream, and
	// its watch of the committed offsets. It shares the machine's cores
	// with the children.
	Bench float64 `json:"bench"`
}

// cpu returns the CPU time the children have used so far.
func (s *stack) cpu() CPUSeconds {
	var c CPUSeconds
	for _, p := range s.procs {
		c.Processors += cpuSeconds(p.pid())
	}
	c.Broker = cpuSeconds(s.broker.pid())
	for _, r := range s.redis {
		own, children := cpuSecondsWithChildren(r.pid())
		c.Redis += own
		c.RedisRewrites += children
	}
	c.Bench = cpuSeconds(os.Getpid())
	return c
}

// minus returns the CPU time used between before and c.
func (c CPUSeconds) minus(before CPUSeconds) CPUSeconds {
	return CPUSeconds{
		Processors: c.Processors - before.Processors,
		Broker:     c.Broker - before.Broker,
		Redis:      c.Redis - before.Redis,

		RedisRewrites: c.RedisRewrites - before.RedisRewrites,
		Bench:         c.Bench - before.Bench,
	}
}

// rounded returns c to a tenth of a second, for the report.
func (c CPUSeconds) rounded() CPUSeconds {
	return CPUSeconds{Processors: round1(c.Processors), Broker: round1(c.Broker), Redis: round1(c.Redis),
		RedisRewrites: round1(c.RedisRewrites), Bench: round1(c.Bench)}
}

// rewritesAfter returns the CPU time of the redis-servers' rewrites since
// before was read, once none is running or due on any: a rewrite the
// drain set off belongs to its cost, though it may end after the drain.
// It waits at most wait.
func (s *stack) rewritesAfter(ctx context.Context, before CPUSeconds, wait time.Duration) (float64, error) {
	deadline := time.Now().Add(wait)
	for _, addr := range s.redisAddrs {
		if err := waitNoRewrite(ctx, addr, deadline); err != nil {
			return 0, err
		}
	}
	// Redis reaps a child that ended within a tick of its cron.
	time.Sleep(200 * time.Millisecond)
	return s.cpu().RedisRewrites - before.RedisRewrites, nil
}

// waitNoRewrite waits until the redis-server at addr has no rewrite
// running or due, or deadline passes.
func waitNoRewrite(ctx context.Context, addr string, deadline time.Time) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for {
		info, err := rdb.Info(ctx, "persistence").Result()
		if err != nil {
			return fmt.Errorf("info persistence: %w", err)
		}
		if !strings.Contains(info, "aof_rewrite_in_progress:1") && !strings.Contains(info, "aof_rewrite_scheduled:1") &&
			!strings.Contains(info, "rdb_bgsave_in_progress:1") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server %s still rewriting", addr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// redisPerParcel reads what the redis-servers have run so far, all of
// them together, per parcel.
func (s *stack) redisPerParcel(ctx context.Context, parcels int) (map[string]CommandCount, error) {
	sum := map[string]CommandCount{}
	for _, addr := range s.redisAddrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		counts, err := commandCounts(ctx, rdb)
		rdb.Close()
		if err != nil {
			return nil, err
		}
		for name, c := range counts {
			switch {
			case name == "info", name == "hello", name == "ping", name == "client|setinfo", name == "script|load",
				name == "command", strings.HasPrefix(name, "command|"), strings.HasPrefix(name, "cluster|"):
				continue // the bench's own, the clients' set-up and the cluster's
			}
			sum[name] = CommandCount{Calls: sum[name].Calls + c.Calls, USec: sum[name].USec + c.USec}
		}
	}
	out := make(map[string]CommandCount, len(sum))
	for name, c := range sum {
		out[name] = CommandCount{Calls: round3(c.Calls / float64(parcels)), USec: round2(c.USec / float64(parcels))}
	}
	return out, nil
}

// stopProcessors stops the processors, together.
func (s *stack) stopProcessors() {
	var wg sync.WaitGroup
	for _, p := range s.procs {
		wg.Go(func() { p.stop(20 * time.Second) })
	}
	wg.Wait()
}

// close stops every child, processors first, and removes the directory.
func (s *stack) close() {
	s.stopProcessors()
	if s.broker != nil {
		s.broker.stop(10 * time.Second)
	}
	for _, r := range s.redis {
		r.stop(10 * time.Second)
	}
	_ = os.RemoveAll(s.dir)
}

// answers are the decisions and rejections read back after a run.
type answers struct {
	mu sync.Mutex
	// decisions and rejected are the answers' records; alerts is counted
	// only.
	decisions, rejected []record
	alerts              int64
}

// readAnswers reads every decision and rejection, and counts alerts.
func (s *stack) readAnswers(ctx context.Context) (*answers, error) {
	a := &answers{}
	var errs []error
	for _, topic := range []string{clearedTopic, formalTopic, dlqTopic} {
		into := &a.decisions
		if topic == dlqTopic {
			into = &a.rejected
		}
		errs = append(errs, s.kafka.readTopic(ctx, topic, true, func(r record) {
			a.mu.Lock()
			*into = append(*into, r)
			a.mu.Unlock()
		}))
	}
	n, err := s.kafka.total(ctx, alertsTopic)
	a.alerts = n
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	return a, nil
}

// lastMS is the latest timestamp among all answers, 0 when none.
func (a *answers) lastMS() int64 {
	var last int64
	for _, list := range [][]record{a.decisions, a.rejected} {
		for _, r := range list {
			last = max(last, r.timeMS)
		}
	}
	return last
}

// latencies returns, for each decision whose input is known and passes
// keep, its answer time minus its input time in milliseconds.
func (a *answers) latencies(in *inputTimes, keep func(inputMS int64) bool) ([]float64, error) {
	out := make([]float64, 0, len(a.decisions))
	for _, r := range a.decisions {
		if !r.hasSource {
			return nil, fmt.Errorf("decision at %d@%d has no source", r.partition, r.offset)
		}
		inputMS, ok := in.at(r.srcPart, r.srcOffset)
		if !ok {
			return nil, fmt.Errorf("decision at %d@%d answers unknown input %d@%d", r.partition, r.offset, r.srcPart, r.srcOffset)
		}
		if keep == nil || keep(inputMS) {
			out = append(out, float64(r.timeMS-inputMS))
		}
	}
	return out, nil
}

// Outputs counts what the processors published in a run.
type Outputs struct {
	// Decisions is the number of decision.v1 records (cleared and formal
	// entry required), Rejected of rejected.v1, Alerts of alert.v1.
	Decisions int `json:"decisions"`
	Rejected  int `json:"rejected"`
	Alerts    int `json:"alerts"`
}

func (a *answers) outputs() Outputs {
	return Outputs{Decisions: len(a.decisions), Rejected: len(a.rejected), Alerts: int(a.alerts)}
}

// logf writes one progress line.
func logf(w io.Writer, format string, args ...any) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "bench %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
