// Command testreport turns the events of `go test -json` on stdin into
// progress a person can follow: a line for each package as it finishes,
// the output of every test that failed, a line every so often naming what
// is still running, and at the end a summary line alone:
//
//	412 passed, 0 failed, 3 skipped
//
// It exits 1 when a test or a package failed (a build error, a panic
// outside a test, a timeout), else 0. scripts/test runs it; it is not
// part of the processor.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

func main() {
	r := newReporter(os.Stdout, time.Now)
	os.Exit(r.run(os.Stdin, 30*time.Second))
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string // of build-output and build-fail
	// FailedBuild is the ImportPath of the build that failed a package.
	FailedBuild string
}

// pkgState is what is known of one package while its tests run.
type pkgState struct {
	started time.Time
	passed  int
	failed  int
	skipped int
	// output holds each running or failed test's lines ("" is the
	// package's own); a passed or skipped test's are dropped.
	output  map[string][]string
	running map[string]time.Time
	failing []string
}

// reporter keeps the counts and writes the progress.
type reporter struct {
	out  io.Writer
	now  func() time.Time
	pkgs map[string]*pkgState
	// build holds build output by import path, shown if the package fails.
	build map[string][]string

	passed, failed, skipped int
	// failures names every failed test and package, for the end.
	failures []string
	// lastWrite is when a line was last written, for the heartbeat.
	lastWrite time.Time
}

func newReporter(out io.Writer, now func() time.Time) *reporter {
	return &reporter{out: out, now: now, pkgs: map[string]*pkgState{}, build: map[string][]string{}, lastWrite: now()}
}

// run reads events until stdin ends, writing a heartbeat when nothing was
// written for quiet, and returns the exit code.
func (r *reporter) run(in io.Reader, quiet time.Duration) int {
	lines := make(chan []byte)
	go func() {
		scanner := bufio.NewScanner(in)
		scanner.Buffer(nil, 16<<20)
		for scanner.Scan() {
			lines <- slices.Clone(scanner.Bytes())
		}
		close(lines)
	}()
	ticker := time.NewTicker(quiet / 3)
	defer ticker.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return r.finish()
			}
			r.line(line)
		case <-ticker.C:
			if r.now().Sub(r.lastWrite) >= quiet {
				r.heartbeat()
			}
		}
	}
}

// line handles one line of input; a line that is not an event (go vet or
// the go command writing to the same pipe) is passed through.
func (r *reporter) line(line []byte) {
	var ev event
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
		r.printf("%s\n", line)
		return
	}
	r.event(ev)
}

func (r *reporter) event(ev event) {
	switch ev.Action {
	case "build-output":
		r.build[ev.ImportPath] = append(r.build[ev.ImportPath], ev.Output)
		return
	case "build-fail":
		return
	}
	p := r.pkgs[ev.Package]
	if p == nil {
		p = &pkgState{started: r.now(), output: map[string][]string{}, running: map[string]time.Time{}}
		r.pkgs[ev.Package] = p
	}
	if ev.Test == "" {
		switch ev.Action {
		case "output":
			p.output[""] = append(p.output[""], ev.Output)
		case "pass", "fail", "skip":
			r.endPackage(ev, p)
		}
		return
	}
	switch ev.Action {
	case "run":
		p.running[ev.Test] = r.now()
	case "output":
		p.output[ev.Test] = append(p.output[ev.Test], ev.Output)
	case "pass":
		p.passed++
		r.endTest(p, ev.Test)
	case "skip":
		p.skipped++
		r.endTest(p, ev.Test)
	case "fail":
		p.failed++
		delete(p.running, ev.Test)
		p.failing = append(p.failing, ev.Test)
	}
}

func (r *reporter) endTest(p *pkgState, test string) {
	delete(p.running, test)
	delete(p.output, test)
}

// endPackage writes the package's line and, when it failed, the output of
// its failed tests, or all its output when no test failed (a build error,
// a panic, a timeout).
func (r *reporter) endPackage(ev event, p *pkgState) {
	delete(r.pkgs, ev.Package)
	switch {
	case ev.Action == "skip" || (ev.Action == "pass" && p.passed+p.failed+p.skipped == 0):
		return // no test files, or no tests: nothing to say
	case ev.Action == "pass":
		r.passed, r.skipped = r.passed+p.passed, r.skipped+p.skipped
		r.printf("ok    %s  %.1fs  %s\n", ev.Package, ev.Elapsed, counts(p.passed, p.failed, p.skipped))
		return
	}
	// A test still running when its package failed (a timeout, a panic in
	// another goroutine) failed with it.
	running := make([]string, 0, len(p.running))
	for test := range p.running {
		running = append(running, test)
	}
	sort.Strings(running)
	p.failing = append(p.failing, running...)
	p.failed += len(running)
	var output []string
	for _, test := range p.failing {
		output = append(output, p.output[test]...)
		r.failures = append(r.failures, ev.Package+" "+test)
	}
	if len(p.failing) == 0 {
		// Nothing failed inside a test: the package itself did.
		output = append(append(output, r.build[ev.FailedBuild]...), p.output[""]...)
		r.failures = append(r.failures, ev.Package)
		p.failed = 1
	}
	r.passed, r.failed, r.skipped = r.passed+p.passed, r.failed+p.failed, r.skipped+p.skipped
	r.printf("FAIL  %s  %.1fs  %s\n%s", ev.Package, ev.Elapsed, counts(p.passed, p.failed, p.skipped), strings.Join(output, ""))
}

// heartbeat names the packages still running and their longest test.
func (r *reporter) heartbeat() {
	if len(r.pkgs) == 0 {
		r.printf("... waiting for the go command\n")
		return
	}
	names := make([]string, 0, len(r.pkgs))
	for name := range r.pkgs {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		p := r.pkgs[name]
		part := fmt.Sprintf("%s (%d done", name, p.passed+p.failed+p.skipped)
		var oldest string
		var since time.Time
		for test, at := range p.running {
			// The outermost test running longest: its subtests run inside it.
			if oldest == "" || at.Before(since) || (at.Equal(since) && test < oldest) {
				oldest, since = test, at
			}
		}
		if oldest != "" {
			part += fmt.Sprintf(", %s for %s", oldest, r.now().Sub(since).Round(time.Second))
		}
		parts = append(parts, part+")")
	}
	r.printf("... still running: %s\n", strings.Join(parts, ", "))
}

// finish writes the failures and the summary line and returns the exit
// code. Packages that never ended (the go command died) count as failed.
func (r *reporter) finish() int {
	for name := range r.pkgs {
		r.failures = append(r.failures, name+" (did not finish)")
		r.failed++
	}
	if len(r.failures) > 0 {
		sort.Strings(r.failures)
		r.printf("\nfailed:\n")
		for _, f := range r.failures {
			r.printf("  %s\n", f)
		}
	}
	r.printf("%s\n", counts(r.passed, r.failed, r.skipped))
	if r.failed > 0 {
		return 1
	}
	return 0
}

// counts is the summary's form: "N passed, N failed, N skipped".
func counts(passed, failed, skipped int) string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", passed, failed, skipped)
}

func (r *reporter) printf(format string, args ...any) {
	fmt.Fprintf(r.out, format, args...)
	r.lastWrite = r.now()
}
