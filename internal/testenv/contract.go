package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// ContractExamples is the path of the copy of the contract's example
// stream (input.tsv, expected.json) kept in this repository.
func ContractExamples(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate testenv")
	}
	dir := filepath.Join(filepath.Dir(file), "testdata", "contract-examples")
	checkCopyIsCurrent(t, dir)
	return dir
}

// checkCopyIsCurrent fails when the contract's examples beside the
// repository (../shared, as CI has them) differ from the copy.
func checkCopyIsCurrent(t testing.TB, dir string) {
	shared := filepath.Join(dir, "..", "..", "..", "..", "..", "shared", "contract", "examples")
	for _, name := range []string{"input.tsv", "expected.json"} {
		upstream, err := os.ReadFile(filepath.Join(shared, name))
		if err != nil {
			t.Logf("contract examples not beside the repository (%v); using the copy in %s", err, dir)
			return
		}
		local, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(upstream, local) {
			t.Errorf("%s differs from the contract's %s: copy it again", filepath.Join(dir, name), name)
		}
	}
}

// Outputs are the message values a processor published, by topic kind.
type Outputs struct {
	Cleared, Formal, Alerts, DLQ [][]byte
}

// CheckContractExamples compares what a processor published for the
// example stream with every field expected.json lists.
func CheckContractExamples(t testing.TB, dir string, got Outputs) {
	t.Helper()
	var want struct {
		Events    int                       `json:"events"`
		Decisions map[string]map[string]any `json:"decisions"`
		Alerts    []map[string]any          `json:"alerts"`
		Rejected  []string                  `json:"rejected"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}

	decisions := map[string]map[string]any{}
	for kind, values := range map[string][][]byte{"cleared": got.Cleared, "formal_entry_required": got.Formal} {
		for _, v := range values {
			d := decode(t, v)
			if d["decision"] != kind {
				t.Errorf("decision %v published on the %s topic", d["decision"], kind)
			}
			decisions[d["parcel_id"].(string)] = d
		}
	}
	if len(decisions) != want.Events {
		t.Errorf("got %d decisions, want %d", len(decisions), want.Events)
	}
	// Equal recipient labels must have equal recipient_key values.
	keyOfLabel := map[string]string{}
	for parcel, fields := range want.Decisions {
		d, ok := decisions[parcel]
		if !ok {
			t.Errorf("%s: no decision", parcel)
			continue
		}
		for field, value := range fields {
			switch field {
			case "key":
			case "recipient":
				label := value.(string)
				if prev, ok := keyOfLabel[label]; ok && prev != d["recipient_key"] {
					t.Errorf("%s: recipient_key %v, another parcel of recipient %s has %v", parcel, d["recipient_key"], label, prev)
				}
				keyOfLabel[label], _ = d["recipient_key"].(string)
			default:
				if !reflect.DeepEqual(d[field], value) {
					t.Errorf("%s.%s = %#v, want %#v", parcel, field, d[field], value)
				}
			}
		}
	}

	latest := map[string]map[string]any{}
	for _, v := range got.Alerts {
		a := decode(t, v)
		id, _ := a["alert_id"].(string)
		if prev, ok := latest[id]; !ok || a["version"].(float64) > prev["version"].(float64) {
			latest[id] = a
		}
	}
	if len(latest) != len(want.Alerts) {
		t.Errorf("got %d alerts, want %d", len(latest), len(want.Alerts))
	}
	for _, w := range want.Alerts {
		var found map[string]any
		for _, a := range latest {
			if a["entry_date"] == w["entry_date"] && a["recipient_key"] == keyOfLabel[w["recipient"].(string)] {
				found = a
			}
		}
		if found == nil {
			t.Errorf("no alert for recipient %v on %v", w["recipient"], w["entry_date"])
			continue
		}
		if !reflect.DeepEqual(found["parcel_ids"], w["parcel_ids"]) || found["version"] != w["versions"] {
			t.Errorf("alert: parcel_ids %v version %v, want %v version %v", found["parcel_ids"], found["version"], w["parcel_ids"], w["versions"])
		}
	}

	var rejected []string
	for _, v := range got.DLQ {
		r := decode(t, v)
		if r["error"] == "" || r["raw_base64"] != false {
			t.Errorf("rejection %s: want an error and raw as text", v)
		}
		raw, _ := r["raw"].(string)
		rejected = append(rejected, raw)
	}
	if !reflect.DeepEqual(rejected, want.Rejected) {
		t.Errorf("rejected %q, want %q", rejected, want.Rejected)
	}
}

func decode(t testing.TB, v []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(v, &m); err != nil {
		t.Fatalf("output %s: %v", v, err)
	}
	return m
}
