package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/testenv"
)

// TestDLQRepairAndResend is the operator's procedure end to end, against
// a processor process, the broker on real sockets and a redis-server:
// bad messages go to the DLQ, `dlq export` writes them to a file, resend
// refuses the file while it holds a truncated record and sends nothing,
// and once the person has repaired one message and deleted the truncated
// line, resend produces them with their original keys and the processor
// decides the repaired one.
func TestDLQRepairAndResend(t *testing.T) {
	brokerAddr := testenv.StartBroker(t)
	redis := testenv.StartRedis(t)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	p := start(t, []string{"RECIPIENT_KEY_SECRET=a-test-secret-long-enough"},
		"run", "--brokers", brokerAddr, "--redis-url", redis.URL(), "--http-addr", httpAddr, "--partitions", "2")
	waitHTTP(t, "http://"+httpAddr+"/readyz", 30*time.Second)
	k := testenv.NewKafka(t, []string{brokerAddr})

	good := testenv.ReadTSV(t, filepath.Join(testenv.ContractExamples(t), "input.tsv"))[0]
	var manifest map[string]any
	if err := json.Unmarshal(good.Value, &manifest); err != nil {
		t.Fatal(err)
	}
	parcelID := "DLQ-REPAIRED-1"
	// A value of -1.00 is refused (items[0].value: must not be negative);
	// the repair is to write it as 1.00.
	broken := bytes.Replace(good.Value, []byte(`"parcel_id":"`+manifest["parcel_id"].(string)+`"`), []byte(`"parcel_id":"`+parcelID+`"`), 1)
	broken = bytes.Replace(broken, []byte(`"value":"`), []byte(`"value":"-`), 1)
	binaryKey, binaryValue := []byte{0xff, 'k'}, []byte{0xfe, 0x00, 0x01}
	k.Produce("manifests", []testenv.Message{{Key: []byte(parcelID), Value: broken}, {Key: binaryKey, Value: binaryValue}})
	k.WaitCaughtUp("s321-processor", "manifests", 30*time.Second)
	// A record whose message was too large to copy whole, as the processor
	// writes one for a message over the DLQ's limit.
	truncated := event.NewRejected("message: 3000 bytes is over the 1000-byte limit", event.Source{Topic: "manifests", Partition: 1, Offset: 99},
		bytes.Repeat([]byte("x"), 3000), 100, time.Now())
	k.Produce("manifests.dlq", []testenv.Message{{Key: []byte("BIG-1"), Value: truncated.AppendJSON(nil)}})

	file := filepath.Join(t.TempDir(), "dlq.jsonl")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dlq", "export", "--brokers", brokerAddr, "--out", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("dlq export exited %d\n%s", code, stderr.String())
	}
	lines := readLines(t, file)
	if len(lines) != 3 {
		t.Fatalf("export wrote %d lines, want 3:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	exported := map[string]dlqLine{}
	for _, l := range lines {
		var line dlqLine
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		exported[line.Key] = line
	}
	if line := exported[parcelID]; line.Raw != string(broken) || line.RawBase64 || !strings.Contains(line.Error, "must not be negative") || line.Source.Topic != "manifests" {
		t.Errorf("the broken manifest's line: %+v", line)
	}
	if line := exported["/2s="]; !line.KeyBase64 || !line.RawBase64 || line.Raw != "/gAB" {
		t.Errorf("the binary message's line (key and raw in base64): %+v", line)
	}
	if line := exported["BIG-1"]; !line.RawTruncated || line.RawBytes != 3000 {
		t.Errorf("the truncated record's line: %+v", line)
	}
	if !strings.Contains(stderr.String(), "3 records") || !strings.Contains(stderr.String(), "1 hold only the start") {
		t.Errorf("export's report does not count the records and the truncated one: %s", stderr.String())
	}

	// Refused whole while the truncated line is in it: nothing is sent.
	before := k.EndOffsets("manifests")
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"dlq", "resend", "--brokers", brokerAddr, "--in", file}, &stdout, &stderr); code != 1 {
		t.Errorf("resend of a file with a truncated line exited %d, want 1", code)
	}
	truncatedLine := 0
	for i, l := range lines {
		if strings.Contains(l, `"raw_truncated":true`) {
			truncatedLine = i + 1
		}
	}
	for _, want := range []string{"nothing sent", fmt.Sprintf("line %d: raw_truncated", truncatedLine), "manifests partition 1 offset 99"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("resend's refusal does not say %q: %s", want, stderr.String())
		}
	}
	if after := k.EndOffsets("manifests"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the refused resend produced: offsets %v, then %v", before, after)
	}

	// The person repairs the value and deletes the truncated line.
	var repaired []string
	for _, l := range lines {
		if strings.Contains(l, `"raw_truncated":true`) {
			continue
		}
		repaired = append(repaired, strings.Replace(l, `\"value\":\"-`, `\"value\":\"`, 1))
	}
	if err := os.WriteFile(file, []byte(strings.Join(repaired, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"dlq", "resend", "--brokers", brokerAddr, "--in", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("resend exited %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sent 2 messages to manifests") {
		t.Errorf("resend said %q", stdout.String())
	}
	k.WaitCaughtUp("s321-processor", "manifests", 30*time.Second)

	var resent []testenv.Record
	for _, r := range k.ReadAll("manifests") {
		if r.Offset >= before[r.Partition] {
			resent = append(resent, r)
		}
	}
	keys := map[string][]byte{}
	for _, r := range resent {
		keys[string(r.Key)] = r.Value
	}
	if len(resent) != 2 || !bytes.Equal(keys[string(binaryKey)], binaryValue) || !bytes.Contains(keys[parcelID], []byte(`"value":"`)) || bytes.Contains(keys[parcelID], []byte(`"value":"-`)) {
		t.Errorf("resent records %v: want the repaired manifest and the binary message under their original keys", resent)
	}
	decided := false
	for _, topic := range []string{"parcels.cleared", "parcels.formal-entry-required"} {
		for _, r := range k.ReadAll(topic) {
			decided = decided || string(r.Key) == parcelID
		}
	}
	if !decided {
		t.Errorf("no decision for the repaired parcel %s", parcelID)
	}
	if code := p.stop(t, 30*time.Second); code != 0 {
		t.Errorf("processor exited %d\n%s", code, p.stderr.String())
	}
}

func TestDLQUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"dlq"}, "usage: processor dlq export"},
		{"unknown subcommand", []string{"dlq", "purge"}, "usage: processor dlq export"},
		{"export without a file", []string{"dlq", "export", "--brokers", "127.0.0.1:1"}, "--out is required"},
		{"resend without a file", []string{"dlq", "resend", "--brokers", "127.0.0.1:1"}, "--in is required"},
		{"no brokers", []string{"dlq", "export", "--out", "x.jsonl"}, "--brokers is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(tc.args, &bytes.Buffer{}, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tc.want)
			}
		})
	}
}

// TestDLQResendRefusesBadLines checks what resend reads, without Kafka:
// every bad line is named, and none is sent.
func TestDLQResendRefusesBadLines(t *testing.T) {
	input := strings.Join([]string{
		`{"key":"A","raw":"{}","raw_base64":false}`,
		`not json`,
		`{"key":"B","raw":"***","raw_base64":true}`,
		`{"key":"C","raw":"","raw_base64":false}`,
		`{"key":"D","raw":"{}","raw_base64":false,"colour":"red"}`,
		``,
	}, "\n")
	_, err := readDLQLines(strings.NewReader(input), "edited.jsonl")
	if err == nil {
		t.Fatal("readDLQLines accepted bad lines")
	}
	for _, want := range []string{"4 lines refused", "line 2: not a line of dlq export", "line 3: raw_base64 is true but raw is not standard base64", "line 4: raw is empty", `line 5: not a line of dlq export: json: unknown field "colour"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	msgs, err := readDLQLines(strings.NewReader(`{"key":"/2s=","key_base64":true,"raw":"/gAB","raw_base64":true}`+"\n"), "ok.jsonl")
	if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0].Key, []byte{0xff, 'k'}) || !bytes.Equal(msgs[0].Value, []byte{0xfe, 0, 1}) {
		t.Errorf("base64 line read as %v, %v", msgs, err)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 4<<20)
	for scanner.Scan() {
		out = append(out, scanner.Text())
	}
	return out
}
