package guarantees

import (
	"strings"
	"testing"
	"time"
)

// TestRebalance runs three processors in one group over 12 partitions,
// adds a fourth while they work through a backlog and a stream, and then
// stops one of the first three with SIGTERM. Each change moves partitions
// between processes while batches are in flight (kafka-go's group member
// waits for its partition workers to return before it rejoins). The test
// checks what that must give: every message decided, redelivered parcels
// decided alike, day totals exact; it does not observe the fencing itself.
func TestRebalance(t *testing.T) {
	c := newCluster(t)
	members := []*processor{
		c.startProcessor("processor-1"),
		c.startProcessor("processor-2"),
		c.startProcessor("processor-3"),
	}
	for _, p := range members {
		p.waitReady(t, time.Minute)
	}

	// A backlog, then a steady stream: the first rebalance finds full
	// batches in flight. Each change must complete while messages are
	// still waiting to be decided.
	const n, backlog = 16000, 4000
	msgs := generated(t, 4, n)
	c.produce(msgs[:backlog])
	s := c.startStream(msgs[backlog:])
	c.waitOutputs(2000, 2*time.Minute)
	joined := c.startProcessor("processor-4")
	joined.waitReady(t, time.Minute)
	atJoin := c.mustOutputs()

	c.waitOutputs(atJoin+2000, 2*time.Minute)
	atLeave := c.mustOutputs()
	took := members[1].stop(t)
	if atJoin >= n || atLeave >= n {
		t.Fatalf("everything was decided (%d, %d outputs of %d) before the group changed: make the stream longer", atJoin, atLeave, n)
	}
	if produced := backlog + s.finish(); produced != n {
		t.Fatalf("%d of %d messages produced", produced, n)
	}

	c.waitCaughtUp(3 * time.Minute)
	consumed := joined.metric(t, "s321_messages_consumed_total")
	if consumed == 0 {
		t.Error("the processor that joined mid-stream decided nothing: no partition moved to it")
	}
	t.Logf("processor-4 joined at %d outputs and handled %d messages; processor-2 left at %d outputs (SIGTERM exit took %s)",
		atJoin, consumed, atLeave, took.Round(time.Millisecond))
	f := checkGuarantees(t, c)
	t.Logf("after two rebalances: %d decisions and %d rejections published again for messages already handled",
		f.RedeliveredDecisions, f.RedeliveredRejections)
	for _, p := range []*processor{members[0], members[2], joined} {
		p.stop(t)
	}
	for _, p := range append(members, joined) {
		logText := p.log(t)
		t.Logf("%s: %d batches abandoned, %d failed commits, %d generations", p.name,
			strings.Count(logText, `"batch abandoned"`), strings.Count(logText, `"commit offset"`), strings.Count(logText, `"group generation"`))
	}
}
