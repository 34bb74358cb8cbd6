package main

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// The fixture is `go test -json ./...` of a small module: a package that
// passes (with a skip and subtests), one with a failing subtest, one that
// does not compile, one whose test panics in a goroutine, and one without
// tests.
func fixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// only keeps the events of packages whose path ends in one of suffixes.
func only(t *testing.T, data []byte, suffixes ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	for line := range bytes.Lines(data) {
		for _, s := range suffixes {
			if bytes.Contains(line, []byte(`"Package":"example.com/fx/`+s+`"`)) {
				out.Write(line)
			}
		}
	}
	return out.Bytes()
}

func report(t *testing.T, in []byte) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := newReporter(&out, time.Now).run(bytes.NewReader(in), time.Hour)
	return out.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestReportOfFailures(t *testing.T) {
	out, code := report(t, fixture(t))
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if got, want := lastLine(out), "7 passed, 4 failed, 1 skipped"; got != want {
		t.Errorf("summary %q, want %q\n%s", got, want, out)
	}
	for _, want := range []string{
		"ok    example.com/fx/good  ",
		"FAIL  example.com/fx/bad  ",
		"bad_test.go:8: got 2, want 3",           // a failed test's output
		"FAIL  example.com/fx/broken  ",          // a build failure
		"undefined: undefined",                   // with the compiler's message
		"FAIL  example.com/fx/panics  ",          // a panic outside the test's goroutine
		"panic: boom",                            //
		"  example.com/fx/panics TestHangs\n",    // the test it took down, in the list
		"  example.com/fx/bad TestTable/wrong\n", //
		"  example.com/fx/broken\n",              //
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report does not say %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"good_test.go", "notests", "TestPasses"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("report shows %q, which passed or has no tests:\n%s", unwanted, out)
		}
	}
}

func TestReportOfSuccess(t *testing.T) {
	out, code := report(t, only(t, fixture(t), "good", "notests"))
	if code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, out)
	}
	if got, want := out, "ok    example.com/fx/good  0.0s  4 passed, 0 failed, 1 skipped\n4 passed, 0 failed, 1 skipped\n"; got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

// A package whose events stop before its end (the go command was killed)
// did not pass.
func TestReportOfAnUnfinishedPackage(t *testing.T) {
	var cut bytes.Buffer
	for line := range bytes.Lines(only(t, fixture(t), "good")) {
		if bytes.Contains(line, []byte(`"Action":"pass","Package":"example.com/fx/good","Elapsed"`)) {
			break
		}
		cut.Write(line)
	}
	out, code := report(t, cut.Bytes())
	if code != 1 || !strings.Contains(out, "example.com/fx/good (did not finish)") || lastLine(out) != "0 passed, 1 failed, 0 skipped" {
		t.Errorf("exit code %d, report:\n%s\nwant 1, the package named, 0 passed, 1 failed", code, out)
	}
}

// Lines that are not events (the go command's own messages) pass through.
func TestReportPassesOtherLines(t *testing.T) {
	out, _ := report(t, []byte("go: downloading example.com/x v1.0.0\n"))
	if !strings.HasPrefix(out, "go: downloading example.com/x v1.0.0\n") {
		t.Errorf("report:\n%s", out)
	}
}

func TestHeartbeatNamesWhatIsRunning(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r := newReporter(&out, func() time.Time { return now })
	scanner := bufio.NewScanner(bytes.NewReader(only(t, fixture(t), "good")))
	for scanner.Scan() {
		line := scanner.Bytes()
		if bytes.Contains(line, []byte(`"Test":"TestTable/a"`)) {
			break // TestTable and its subtest a are running now
		}
		r.line(line)
		now = now.Add(time.Second)
	}
	now = now.Add(45 * time.Second)
	r.heartbeat()
	if got, want := out.String(), "... still running: example.com/fx/good (2 done, TestTable for 47s)\n"; got != want {
		t.Errorf("heartbeat %q, want %q", got, want)
	}
}
