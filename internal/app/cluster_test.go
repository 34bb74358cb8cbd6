package app_test

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/testenv"
)

// answer is what the cluster test reads back from a decision or a
// rejection.
type answer struct {
	DecisionID        string `json:"decision_id"`
	ParcelID          string `json:"parcel_id"`
	RecipientKey      string `json:"recipient_key"`
	EntryDate         string `json:"entry_date"`
	ParcelValue       string `json:"parcel_value"`
	RecipientDayTotal string `json:"recipient_day_total"`
	Source            struct {
		Partition int   `json:"partition"`
		Offset    int64 `json:"offset"`
	} `json:"source"`
}

// TestRedisClusterTwoProcessorsAndAFailover runs two processors in one
// consumer group (the first with the embedded broker, the second pointed at
// it) on a Redis Cluster of three masters with a replica each, sends
// generated traffic in three waves and fails a master over to its replica
// during the second. Every input message must be answered (a decision or a
// rejection), and every recipient's day totals must be exact: the parcels
// of a recipient and day, ordered by the totals they were given, must add
// up to those totals one by one (nothing counted twice, nothing lost in the
// failover).
func TestRedisClusterTwoProcessorsAndAFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster")
	}
	cluster := testenv.StartRedisCluster(t, 3, 1)

	cfg := testConfig(cluster.URL())
	cfg.RecipientKeySecret = "cluster-test-secret-0123456789"
	cfg.Partitions = 6
	first := startApp(t, cfg)
	second := cfg
	second.Brokers = first.Brokers()
	secondApp := startApp(t, second)
	k := testenv.NewKafka(t, first.Brokers())

	genCfg := generate.DefaultConfig()
	genCfg.Seed = 321
	// Few recipients: many parcels share a recipient and day, so the day
	// totals are exercised across partitions and both processors.
	genCfg.Recipients = 400
	genCfg.RepeatShare = 0.3
	gen, err := generate.New(genCfg)
	if err != nil {
		t.Fatal(err)
	}
	const total, wave = 3000, 1000
	var sent []testenv.Message
	bad := 0
	next := func(n int) []testenv.Message {
		batch := make([]testenv.Message, n)
		for i := range batch {
			m := gen.Next()
			if m.Kind == generate.KindBad {
				bad++
			}
			batch[i] = testenv.Message{Key: m.Key, Value: m.Value}
		}
		sent = append(sent, batch...)
		return batch
	}

	k.Produce(cfg.InputTopic, next(wave))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	// The second wave goes in small, paced batches; once the processors
	// are well into it, a master fails over to its replica, and the wave
	// goes on while the roles swap.
	oldMaster := cluster.Masters()[0]
	consumed := func() int64 {
		return first.ConsumerStats().Consumed.Load() + secondApp.ConsumerStats().Consumed.Load()
	}
	const step = 25
	replica, startedAt, doneAt := "", -1, -1
	var consumedAtStart int64
	for produced := step; produced <= wave; produced += step {
		k.Produce(cfg.InputTopic, next(step))
		switch {
		case replica == "" && consumed() >= wave+100:
			consumedAtStart = consumed()
			replica, startedAt = cluster.StartFailover(oldMaster), produced
		case replica != "" && doneAt < 0 && cluster.Role(replica) == "master":
			doneAt = produced
		}
		time.Sleep(5 * time.Millisecond) // pace the wave so that it spans the failover
	}
	if replica == "" {
		t.Fatalf("the processors never got 100 messages into the second wave (consumed %d)", consumed())
	}
	cluster.WaitRole(replica, "master", 20*time.Second)
	cluster.WaitRole(oldMaster, "slave", 20*time.Second)
	t.Logf("failover of %s to %s began after %d messages of the second wave (%d consumed in all), was seen done after %d",
		oldMaster, replica, startedAt, consumedAtStart, doneAt)
	if startedAt >= wave {
		t.Error("the failover began after the second wave was sent: nothing was produced during it")
	}

	k.Produce(cfg.InputTopic, next(total-2*wave))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 45*time.Second)
	t.Logf("consumed: first %d, second %d; batch retries: first %d, second %d",
		first.ConsumerStats().Consumed.Load(), secondApp.ConsumerStats().Consumed.Load(),
		first.ConsumerStats().Retries.Load(), secondApp.ConsumerStats().Retries.Load())
	if first.ConsumerStats().Consumed.Load() == 0 || secondApp.ConsumerStats().Consumed.Load() == 0 {
		t.Errorf("one processor consumed nothing: the group's partitions were not shared")
	}

	// Every input offset is answered, by a decision or a rejection.
	answered := map[[2]int64]bool{}
	var decisions []answer
	read := func(topic string) []answer {
		var out []answer
		for _, rec := range k.ReadAll(topic) {
			var a answer
			if err := json.Unmarshal(rec.Value, &a); err != nil {
				t.Fatalf("%s: %v", rec, err)
			}
			answered[[2]int64{int64(a.Source.Partition), a.Source.Offset}] = true
			out = append(out, a)
		}
		return out
	}
	decisions = append(read(cfg.Topics.Cleared), read(cfg.Topics.Formal)...)
	rejections := read(cfg.Topics.DLQ)
	inputs := 0
	for partition, end := range k.EndOffsets(cfg.InputTopic) {
		for offset := range end {
			inputs++
			if !answered[[2]int64{int64(partition), offset}] {
				t.Errorf("%s/%d@%d: no decision and no rejection", cfg.InputTopic, partition, offset)
			}
		}
	}
	if inputs != len(sent) || len(answered) != inputs {
		t.Errorf("%d messages sent, %d in the input topic, %d answered", len(sent), inputs, len(answered))
	}
	if len(rejections) < bad {
		t.Errorf("%d rejections, want at least the %d bad messages", len(rejections), bad)
	}

	// Day totals: group each recipient's day by parcel; redeliveries and
	// duplicates must repeat the parcel's first total.
	type parcel struct{ value, dayTotal decimal.Decimal }
	days := map[string]map[string]parcel{}
	for _, d := range decisions {
		day := d.RecipientKey + " " + d.EntryDate
		p := parcel{decimal.RequireFromString(d.ParcelValue), decimal.RequireFromString(d.RecipientDayTotal)}
		if days[day] == nil {
			days[day] = map[string]parcel{}
		}
		if prev, ok := days[day][d.ParcelID]; ok && !prev.dayTotal.Equal(p.dayTotal) {
			t.Errorf("parcel %s answered with day totals %s and %s", d.ParcelID, prev.dayTotal, p.dayTotal)
		}
		days[day][d.ParcelID] = p
	}
	multi := 0
	for day, parcels := range days {
		list := make([]parcel, 0, len(parcels))
		for _, p := range parcels {
			list = append(list, p)
		}
		if len(list) > 1 {
			multi++
		}
		sort.Slice(list, func(i, j int) bool { return list[i].dayTotal.LessThan(list[j].dayTotal) })
		sum := decimal.Zero
		for _, p := range list {
			sum = sum.Add(p.value)
			if !sum.Equal(p.dayTotal) {
				t.Errorf("recipient day %s: parcels add up to %s where a decision says %s", day, sum, p.dayTotal)
				break
			}
		}
	}
	if multi < 50 {
		t.Errorf("only %d recipient days with several parcels: the test exercises too little", multi)
	}
	t.Logf("%d messages, %d decisions, %d rejections, %d recipient days (%d with several parcels)",
		len(sent), len(decisions), len(rejections), len(days), multi)

	// The day totals are spread over every master.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var mu sync.Mutex // ForEachMaster calls in parallel
	var empty []string
	err = cluster.Client().ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		if err == nil && n == 0 {
			mu.Lock()
			empty = append(empty, node.Options().Addr)
			mu.Unlock()
		}
		return err
	})
	if err != nil || len(empty) > 0 {
		t.Errorf("masters without keys: %v (err %v)", empty, err)
	}
}
