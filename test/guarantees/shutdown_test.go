package guarantees

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdownUnderLoad sends SIGTERM while the processor works through a
// backlog with more messages arriving. It must exit 0 within its 30s
// --shutdown-timeout, having published and committed what it took on:
// a processor started afterwards in the same group re-decides only
// messages that were published but not committed (counted here, and
// expected to be none), and the checks hold once it has caught up.
func TestShutdownUnderLoad(t *testing.T) {
	c := newCluster(t)
	first := c.startProcessor("processor-1")
	first.waitReady(t, time.Minute)

	const n, backlog = 12000, 4000
	msgs := generated(t, 6, n)
	c.produce(msgs[:backlog])
	s := c.startStream(msgs[backlog:])
	c.waitOutputs(2000, 2*time.Minute)
	if left := backlog + s.produced.Load() - c.mustOutputs(); left <= 0 {
		t.Fatal("everything produced was decided before SIGTERM: the processor was not under load")
	}

	code, took := first.signal(t, syscall.SIGTERM, 35*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if took >= 30*time.Second {
		t.Errorf("exit took %s, more than the 30s --shutdown-timeout", took)
	}
	logText := first.log(t)
	if !strings.Contains(logText, `"processor stopped"`) {
		t.Error(`no "processor stopped" in the log`)
	}
	// A clean stop finishes the batches in flight: none may be abandoned
	// (the worker's log line for a batch it gave up on).
	if abandoned := strings.Count(logText, `"batch abandoned"`); abandoned > 0 {
		t.Errorf("%d batches in flight abandoned during a clean shutdown, %s after SIGTERM (of a 30s --shutdown-timeout); first: %s",
			abandoned, took.Round(time.Millisecond), firstLine(logText, `"batch abandoned"`))
	}
	if produced := backlog + s.finish(); produced != n {
		t.Fatalf("%d of %d messages produced", produced, n)
	}

	// What was published against what was committed, per partition.
	published := c.publishedEnds()
	committed, err := c.committed()
	if err != nil {
		t.Fatal(err)
	}
	var handled, uncommitted int64
	for partition, end := range published {
		handled += end
		uncommitted += max(end-max(committed[partition], 0), 0)
	}
	t.Logf("SIGTERM under load (stream of %d messages); exit %d took %s; %d messages handled, %d of them published but not committed",
		n, code, took.Round(time.Millisecond), handled, uncommitted)
	if uncommitted > 0 {
		t.Errorf("%d messages published but not committed after a clean shutdown: a restart decides them again", uncommitted)
	}

	second := c.startProcessor("processor-2")
	second.waitReady(t, time.Minute)
	c.waitCaughtUp(3 * time.Minute)
	f := checkGuarantees(t, c)
	redecided := int64(f.RedeliveredDecisions + f.RedeliveredRejections)
	t.Logf("after the restart: %d messages decided again", redecided)
	if redecided > uncommitted {
		t.Errorf("%d messages decided again, more than the %d published but not committed at SIGTERM", redecided, uncommitted)
	}
	second.stop(t)
}

// firstLine returns the first line of text that contains substr.
func firstLine(text, substr string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			return line
		}
	}
	return ""
}
