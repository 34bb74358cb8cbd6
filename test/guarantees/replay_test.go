package guarantees

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestReplayGetsTheFirstDecisions redelivers a whole stream: after one
// processor has decided it, a second one in a new consumer group (no
// committed offsets, so it starts at the earliest offset, as after a crash
// before the first commit) reads it all again against the same Redis.
// Every message is then decided twice, and each parcel must get the
// identical decision both times (recipient key, day, total, decision_id),
// counted once.
//
// The generated recipients share phone numbers and emails, so most
// parcels are linked to the recipient their phone or email was first seen
// with (window.Store.Link).
func TestReplayGetsTheFirstDecisions(t *testing.T) {
	c := newCluster(t)
	createTopics(t, c.broker.addr, map[string]int{inputTopic: defaultMaxMessageBytes})
	const n = 6000
	c.produce(generated(t, 9, n))
	first := c.startProcessor("processor")
	first.waitReady(t, time.Minute)
	c.waitCaughtUp(2 * time.Minute)

	const replayGroup = "s321-guarantees-replay"
	replay := c.startProcessor("replay", "--group-id", replayGroup)
	replay.waitReady(t, time.Minute)
	c.waitGroupCaughtUp(replayGroup, 2*time.Minute)
	f := checkGuarantees(t, c)
	if f.RedeliveredDecisions+f.RedeliveredRejections != n {
		t.Errorf("%d outputs redelivered, want %d: every message once more", f.RedeliveredDecisions+f.RedeliveredRejections, n)
	}
	first.stop(t)
	replay.stop(t)
}

// TestResentParcelWithAnotherRecipientIsAnotherParcel shows what is not
// promised: the day totals know a parcel by its id within one recipient's
// day, so the same parcel_id sent again for another recipient, or with an
// arrival on another day, is counted again there, and decided on that
// day's total. Its decision_id, made from event_id and parcel_id, is the
// same, so a consumer that drops repeated decision_ids drops it.
func TestResentParcelWithAnotherRecipientIsAnotherParcel(t *testing.T) {
	c := newCluster(t)
	p := c.startProcessor("processor")
	p.waitReady(t, time.Minute)
	onDay := func(recipient int, arrival string) message {
		value := strings.Replace(manifestJSON("RESENT-1", recipient, `"500.00"`, ""), "2025-08-27T14:00:00Z", arrival, 1)
		return message{key: []byte("RESENT-1"), value: []byte(value), want: mustDecide}
	}
	c.produce([]message{
		onDay(1, "2025-08-27T14:00:00Z"),
		onDay(1, "2025-08-27T15:00:00Z"), // the same recipient and day: the same parcel
		onDay(2, "2025-08-27T14:00:00Z"), // another recipient
		onDay(1, "2025-08-28T14:00:00Z"), // another day
	})
	c.waitCaughtUp(time.Minute)

	var decisions []decision
	for _, rec := range c.readAll(clearedTopic) {
		var d decision
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			t.Fatal(err)
		}
		decisions = append(decisions, d)
	}
	if len(decisions) != 4 {
		t.Fatalf("%d decisions, want 4", len(decisions))
	}
	days := map[dayKey]bool{}
	for _, d := range decisions {
		days[dayKey{d.RecipientKey, d.EntryDate}] = true
		if d.DecisionID != decisions[0].DecisionID {
			t.Errorf("decision_id %s, want %s: one parcel_id and event_id", d.DecisionID, decisions[0].DecisionID)
		}
	}
	stored := redisDays(t, c.redis)
	if len(days) != 3 || len(stored) != 3 {
		t.Fatalf("%d recipient days decided and %d in Redis, want 3 and 3", len(days), len(stored))
	}
	for day := range days {
		if got := stored[day.redisKey()]; got.total != 50000 || got.parcels != 1 {
			t.Errorf("%s: %+v, want the parcel counted once there (50000 cents)", day.redisKey(), got)
		}
	}
	p.stop(t)
}
