package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCluster is a Redis Cluster of redis-server processes on loopback,
// owned by one test: masters with replicas, every slot assigned.
type RedisCluster struct {
	// Nodes are every server, masters and replicas, in start order.
	Nodes []*Redis
	t     testing.TB
}

// StartRedisCluster starts masters*(1+replicas) redis-server processes in
// cluster mode on free loopback ports (each with a cluster bus port of its
// own, also free), joins them with `redis-cli --cluster create`, and waits
// until every node sees every slot served and every replica in sync. The
// servers stop when the test ends. redis-cli comes with redis-server's
// Debian packages (redis-tools).
func StartRedisCluster(t testing.TB, masters, replicas int) *RedisCluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is not installed (Debian package redis-tools, installed with redis-server): %v", err)
	}
	c := &RedisCluster{t: t}
	create := []string{"--cluster", "create"}
	for range masters * (1 + replicas) {
		node := StartRedis(t,
			"--cluster-enabled", "yes",
			"--cluster-port", FreePortArg,
			"--cluster-config-file", "nodes.conf",
			// Short timeouts: failures are noticed and failovers done in
			// about a second.
			"--cluster-node-timeout", "1000",
			// Memory only: faster, and nothing here needs the disk.
			"--appendonly", "no")
		c.Nodes = append(c.Nodes, node)
		create = append(create, node.Addr)
	}
	create = append(create, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, create...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(30 * time.Second)
	return c
}

// URL is the redis+cluster:// URL of every node.
func (c *RedisCluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return "redis+cluster://" + strings.Join(addrs, ",") + "/"
}

// Client returns a cluster client, closed when the test ends.
func (c *RedisCluster) Client() *redis.ClusterClient {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	c.t.Cleanup(func() { _ = client.Close() })
	return client
}

// nodeInfo is one node's view: its role and, for a replica, its master.
type nodeInfo struct {
	role       string // "master" or "slave"
	masterAddr string // a replica's master
	linkUp     bool   // a replica's replication link
	stateOK    bool   // cluster_state:ok and every slot served
}

func (c *RedisCluster) info(ctx context.Context, addr string) (nodeInfo, error) {
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer client.Close()
	var ni nodeInfo
	replication, err := client.Info(ctx, "replication").Result()
	if err != nil {
		return ni, err
	}
	cluster, err := client.ClusterInfo(ctx).Result()
	if err != nil {
		return ni, err
	}
	fields := map[string]string{}
	for _, line := range strings.Split(replication+"\n"+cluster, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	ni.role = fields["role"]
	if ni.role == "slave" {
		ni.masterAddr = fields["master_host"] + ":" + fields["master_port"]
		ni.linkUp = fields["master_link_status"] == "up"
	}
	ni.stateOK = fields["cluster_state"] == "ok" && fields["cluster_slots_ok"] == "16384"
	return ni, nil
}

// WaitHealthy waits until every node reports the cluster ok with every
// slot served, and every replica's link to its master is up.
func (c *RedisCluster) WaitHealthy(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		problem := c.problem()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("redis cluster not healthy after %s: %s", timeout, problem)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *RedisCluster) problem() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		ni, err := c.info(ctx, n.Addr)
		switch {
		case err != nil:
			return fmt.Sprintf("%s: %v", n.Addr, err)
		case !ni.stateOK:
			return n.Addr + ": cluster state not ok"
		case ni.role == "slave" && !ni.linkUp:
			return n.Addr + ": replica link down"
		}
	}
	return ""
}

// Masters returns the addresses of the nodes that are masters now.
func (c *RedisCluster) Masters() []string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []string
	for _, n := range c.Nodes {
		ni, err := c.info(ctx, n.Addr)
		if err != nil {
			c.t.Fatalf("%s: %v", n.Addr, err)
		}
		if ni.role == "master" {
			out = append(out, n.Addr)
		}
	}
	return out
}

// StartFailover asks a replica of master to take over, with CLUSTER
// FAILOVER (a coordinated failover: the master stops accepting writes, the
// replica catches up, then the roles swap, so no acknowledged write is
// lost). It returns the replica's address at once; WaitRole waits for the
// outcome.
func (c *RedisCluster) StartFailover(master string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		ni, err := c.info(ctx, n.Addr)
		if err != nil {
			c.t.Fatalf("%s: %v", n.Addr, err)
		}
		if ni.role != "slave" || ni.masterAddr != master {
			continue
		}
		client := redis.NewClient(&redis.Options{Addr: n.Addr})
		defer client.Close()
		if err := client.Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil {
			c.t.Fatalf("CLUSTER FAILOVER on %s: %v", n.Addr, err)
		}
		return n.Addr
	}
	c.t.Fatalf("no replica of %s", master)
	return ""
}

// Role returns the role of the node at addr: "master", "slave", or ""
// when it does not answer.
func (c *RedisCluster) Role(addr string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ni, err := c.info(ctx, addr)
	if err != nil {
		return ""
	}
	return ni.role
}

// WaitRole waits until the node at addr has the role ("master" or
// "slave") and the cluster is healthy again.
func (c *RedisCluster) WaitRole(addr, role string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ni, err := c.info(ctx, addr)
		cancel()
		if err == nil && ni.role == role {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s is not %s after %s (err %v, role %q)", addr, role, timeout, err, ni.role)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.WaitHealthy(time.Until(deadline) + time.Second)
}
