package guarantees

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// manifestJSON is a valid manifest.v1 for recipient n, worth value (a
// JSON value, written as given). extra members, if any, go before the
// items.
func manifestJSON(parcelID string, recipient int, value, extra string) string {
	return fmt.Sprintf(`{"parcel_id":%q,"carrier":"UPS","arrival_time":"2025-08-27T14:00:00Z",`+
		`"recipient":{"name":"Hostile Test %d","address_line1":"%d Test Street","city":"Testville","state":"NY","postal_code":"10001"},%s`+
		`"items":[{"description":"shirt","origin_country":"VN","value":%s}]}`, parcelID, recipient, recipient, extra, value)
}

// manifestItems is a valid manifest.v1 with count items of 0.01.
func manifestItems(parcelID string, count int) string {
	items := make([]string, count)
	for i := range items {
		items[i] = `{"description":"bead","origin_country":"CN","value":"0.01"}`
	}
	return fmt.Sprintf(`{"parcel_id":%q,"carrier":"UPS","arrival_time":"2025-08-27T14:00:00Z",`+
		`"recipient":{"name":"Many Items","address_line1":"1 Bead Road","city":"Testville","state":"NY","postal_code":"10001"},`+
		`"items":[%s]}`, parcelID, strings.Join(items, ","))
}

// hostileCase is one message built to hurt the processor.
type hostileCase struct {
	name  string
	value []byte
	want  outcome
	// errorHas is part of the DLQ error a rejected message must carry.
	errorHas string
}

func hostileCases() []hostileCase {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tenMiB := manifestJSON("H-BIG", 1, `"1.00"`, `"padding":"`+strings.Repeat("x", 10<<20)+`",`)
	return []hostileCase{
		{"zero bytes", []byte{}, mustReject, "message"},
		{"null value", nil, mustReject, "message"},
		{"10 MiB", []byte(tenMiB), mustReject, "over the 1048576-byte limit"},
		{"nested 100,000 levels", []byte(manifestJSON("H-DEEP", 2, `"1.00"`, `"deep":`+deep+`,`)), mustReject, "nest"},
		{"nested 100,000 levels, no object", []byte(deep), mustReject, "message"},
		{"invalid UTF-8", []byte(strings.Replace(manifestJSON("H-UTF8", 3, `"1.00"`, ""), "Hostile", "Host\xffile", 1)), mustReject, "UTF-8"},
		{"value 1e400", []byte(manifestJSON("H-EXP", 4, `1e400`, "")), mustReject, "items[0].value"},
		{"value -1e400", []byte(manifestJSON("H-NEXP", 4, `-1e400`, "")), mustReject, "items[0].value"},
		{"value \"1e400\"", []byte(manifestJSON("H-SEXP", 4, `"1e400"`, "")), mustReject, "items[0].value"},
		{"value 400 digits", []byte(manifestJSON("H-DIGITS", 4, "1"+strings.Repeat("0", 400), "")), mustReject, "items[0].value"},
		{"duplicate key", []byte(manifestJSON("H-DUP", 5, `"1.00"`, `"parcel_id":"H-DUP-2",`)), mustReject, "parcel_id"},
		{"1,000 items", []byte(manifestItems("H-1000", 1000)), mustDecide, ""},
		{"1,001 items", []byte(manifestItems("H-1001", 1001)), mustReject, "items"},
		{"top-level null", []byte("null"), mustReject, "message"},
		{"NUL bytes", []byte("\x00\x00\x00"), mustReject, "message"},
		{"parcel id of 100,000 characters", []byte(manifestJSON(strings.Repeat("P", 100000), 6, `"1.00"`, "")), mustReject, "parcel_id"},
		{"byte order mark", []byte("\xef\xbb\xbf" + manifestJSON("H-BOM", 7, `"1.00"`, "")), eitherOutcome, ""},
	}
}

// TestHostileInput sends messages built to crash, stall or confuse the
// processor, each followed by valid messages on the same partition, in
// the middle of a generated stream: empty and null values, 10 MiB (over
// the default 1 MiB --max-message-bytes), JSON nested 100,000 deep,
// invalid UTF-8, numbers like 1e400, duplicate keys, 1,000 and 1,001
// items. Each must be rejected to the DLQ or decided, the process must
// stay up, and the valid messages after them must be decided.
//
// The input and DLQ topics are created first with a 16 MiB
// max.message.bytes, so that the broker accepts the 10 MiB message and the
// rejections of one batch however they are packed: this test is about
// the decoder and the stream, TestRejectLargerThanDLQLimit about the DLQ
// topic's limit.
func TestHostileInput(t *testing.T) {
	c := newCluster(t)
	createTopics(t, c.broker.addr, map[string]int{inputTopic: 16 << 20, dlqTopic: 16 << 20})
	p := c.startProcessor("processor")
	p.waitReady(t, time.Minute)

	msgs := generated(t, 5, 2000)
	c.produce(msgs[:1000])
	cases := hostileCases()
	var hostile []message
	for i, hc := range cases {
		hostile = append(hostile,
			message{key: []byte("hostile"), value: hc.value, want: hc.want},
			message{key: []byte("hostile"), value: []byte(manifestJSON("H-AFTER-"+strconv.Itoa(i), 100+i, `"2.00"`, "")), want: mustDecide})
	}
	start := time.Now()
	c.produce(hostile)
	c.produce(msgs[1000:])
	t.Logf("produced in %s", time.Since(start))
	c.waitCaughtUp(time.Minute)
	t.Logf("caught up in %s; %d fetch timeouts", time.Since(start), strings.Count(p.log(t), "i/o timeout"))

	if p.exited() {
		t.Fatalf("the processor exited with %d", p.exitCode)
	}
	if code, _, err := httpGet("http://" + p.httpAddr + "/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz: %d %v", code, err)
	}
	checkGuarantees(t, c)
	t.Logf("checked in %s", time.Since(start))

	// Each hostile message's rejection, found by its input offset.
	valueAt := map[source][]byte{}
	for _, rec := range c.readAll(inputTopic) {
		valueAt[source{rec.Topic, rec.Partition, rec.Offset}] = rec.Value
	}
	errs := map[string]string{}
	for _, rec := range c.readAll(dlqTopic) {
		var r rejection
		if err := json.Unmarshal(rec.Value, &r); err != nil {
			t.Fatal(err)
		}
		errs[string(valueAt[r.Source])] = r.Error
	}
	for _, hc := range cases {
		got, rejected := errs[string(hc.value)]
		switch {
		case hc.want == mustReject && !strings.Contains(got, hc.errorHas):
			t.Errorf("%s: DLQ error %q, want it to mention %q", hc.name, got, hc.errorHas)
		case hc.want == eitherOutcome:
			t.Logf("%s: rejected %v %s", hc.name, rejected, got)
		}
	}
	p.stop(t)
}

// defaultMaxMessageBytes is Kafka's (and the broker's) default
// max.message.bytes: 1 MiB and 12 bytes.
const defaultMaxMessageBytes = 1048588

// createTopics creates topics with partitions partitions and the given
// max.message.bytes, before any processor starts (it leaves existing
// topics as they are).
func createTopics(t *testing.T, addr string, maxMessageBytes map[string]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for topic, limit := range maxMessageBytes {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1,
			ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(limit)}}})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		t.Fatalf("create topics: %v", err)
	}
	for topic, err := range resp.Errors {
		if err != nil {
			t.Fatalf("create topic %s: %v", topic, err)
		}
	}
}

// TestRejectLargerThanDLQLimit sends, on topics with the default
// max.message.bytes of 1 MiB and 12 bytes (as the processor creates them,
// and as Kafka's default is), messages the input topic accepts but whose
// DLQ records may not fit the DLQ topic, each followed by a valid message
// of the same partition:
//
//   - 900,000 bytes of invalid UTF-8, which rejected.v1 carries in base64
//     (1.2 MB);
//   - 200,000 '<', which JSON writes as \u003c (1.2 MB);
//   - two rejections of 600,000 bytes of invalid UTF-8 in a row (800 KB
//     each in base64, 1.6 MB for the pair, which go to one DLQ partition
//     in one produce request);
//   - invalid JSON of 1,048,300 to 1,048,500 bytes, whose rejection is
//     within 1 MiB but, with the record batch's own bytes, over the limit
//     for some of them.
//
// Poison messages must go to the DLQ and the stream must go on: the valid
// messages after them must be decided.
func TestRejectLargerThanDLQLimit(t *testing.T) {
	c := newCluster(t)
	createTopics(t, c.broker.addr, map[string]int{inputTopic: defaultMaxMessageBytes})
	poison := [][]message{
		{{key: []byte("base64"), value: bytes.Repeat([]byte{0xff}, 900_000), want: mustReject}},
		{{key: []byte("escapes"), value: bytes.Repeat([]byte("<"), 200_000), want: mustReject}},
		{
			{key: []byte("pair"), value: bytes.Repeat([]byte{0xfe}, 600_000), want: mustReject},
			{key: []byte("pair"), value: bytes.Repeat([]byte{0xfd}, 600_000), want: mustReject},
		},
	}
	for size := 1_048_300; size <= 1_048_500; size += 20 {
		key := []byte("near-" + strconv.Itoa(size))
		poison = append(poison, []message{{key: key, value: bytes.Repeat([]byte("a"), size), want: mustReject}})
	}
	// Each message is produced on its own, so each is a record batch the
	// input topic accepts; all wait before the processor starts, so that
	// the pair is decided in one batch.
	for i, group := range poison {
		for _, m := range group {
			c.produce([]message{m})
		}
		after := manifestJSON("AFTER-POISON-"+strconv.Itoa(i), i, `"3.00"`, "")
		c.produce([]message{{key: group[0].key, value: []byte(after), want: mustDecide}})
	}
	p := c.startProcessor("processor")
	p.waitReady(t, time.Minute)
	caughtUp := func() bool {
		left, err := c.behind(group)
		return err == nil && left == 0
	}
	if !pollUntil(20*time.Second, func() bool { return caughtUp() || p.exited() }) || !caughtUp() {
		logText := p.log(t)
		t.Fatalf("the stream stalled behind a rejected message: not caught up after 20s, /readyz %v, %d batch retries; stuck: %s; first retry: %.400s",
			p.ready(), strings.Count(logText, `"batch failed, retrying"`), stuck(t, c), firstLine(logText, `"batch failed, retrying"`))
	}
	checkGuarantees(t, c)
	p.stop(t)
}

// stuck lists the input messages not committed: key and size.
func stuck(t *testing.T, c *cluster) string {
	t.Helper()
	committed, err := c.committed()
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, rec := range c.readAll(inputTopic) {
		if rec.Offset >= committed[rec.Partition] {
			out = append(out, fmt.Sprintf("%s (%d bytes)", rec.Key, len(rec.Value)))
		}
	}
	return strings.Join(out, ", ")
}
