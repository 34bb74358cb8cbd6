package guarantees

import (
	"syscall"
	"testing"
	"time"
)

// TestCrashKill9MidStream kills the processor with SIGKILL while it works
// through a stream of 20,000 messages, so that it dies with batches
// counted in Redis, decisions published and offsets not yet committed.
// A new processor in the same group takes over from the committed
// offsets: everything is decided, redelivered parcels get their first
// decision again, and no parcel is counted twice in the day totals.
func TestCrashKill9MidStream(t *testing.T) {
	c := newCluster(t)
	// The whole stream waits in the topic before the processor starts, so
	// it works through a backlog: batches are full and offsets are
	// committed once a second, with decisions published in between.
	createTopics(t, c.broker.addr, map[string]int{inputTopic: defaultMaxMessageBytes})
	const n = 20000
	c.produce(generated(t, 1, n))
	first := c.startProcessor("processor-1")
	first.waitReady(t, time.Minute)
	// Kill when 40% is done and some published decisions are not yet
	// committed, so that the restart must redeliver them.
	poll(t, 2*time.Minute, "40% of the outputs, some not committed", func() bool {
		published, err := c.outputs()
		if err != nil || published < n*2/5 {
			return false
		}
		left, err := c.behind(group)
		return err == nil && n-left < published
	})
	if code, _ := first.signal(t, syscall.SIGKILL, 10*time.Second); code != -1 {
		t.Fatalf("exit code %d after SIGKILL, want -1 (killed by the signal)", code)
	}
	atKill := c.mustOutputs()
	committed, err := c.committed()
	if err != nil {
		t.Fatal(err)
	}
	// Offsets are committed only after the decisions below them are
	// acknowledged: nothing committed may lack its output.
	published := c.publishedEnds()
	var committedTotal, uncommitted int64
	for partition, offset := range committed {
		committedTotal += max(offset, 0)
		uncommitted += max(published[partition]-max(offset, 0), 0)
		if offset > published[partition] {
			t.Errorf("partition %d: committed up to %d, but outputs only up to %d", partition, offset, published[partition])
		}
	}
	t.Logf("killed with %d of %d messages' outputs published and %d messages committed: %d published but not committed",
		atKill, n, committedTotal, uncommitted)
	if atKill >= n {
		t.Fatalf("the processor was done (%d outputs) before it was killed: the stream is too short to kill it mid-stream", atKill)
	}

	second := c.startProcessor("processor-2")
	second.waitReady(t, time.Minute)
	c.waitCaughtUp(3 * time.Minute)
	f := checkGuarantees(t, c)
	t.Logf("after the crash: %d decisions and %d rejections published again for messages already handled; %d parcels decided more than once (re-sent copies included)",
		f.RedeliveredDecisions, f.RedeliveredRejections, f.ParcelsDecidedTwice)
	if int64(f.RedeliveredDecisions+f.RedeliveredRejections) > uncommitted {
		t.Errorf("%d outputs redelivered, more than the %d published but uncommitted at the kill",
			f.RedeliveredDecisions+f.RedeliveredRejections, uncommitted)
	}
	second.stop(t)
}
