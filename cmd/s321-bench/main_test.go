package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/bench"
)

// fakeBinary writes an executable file at dir/name; the parse tests need
// a path that exists, never to run it.
func fakeBinary(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseOptions(t *testing.T) {
	dir := t.TempDir()
	old, current := fakeBinary(t, dir, "processor-old"), fakeBinary(t, dir, "processor")
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, opts options)
	}{
		{"defaults", nil, func(t *testing.T, opts options) {
			cfg := opts.sweep
			if cfg.Parcels != 1_000_000 || cfg.Partitions != 12 || cfg.Instances != 1 || cfg.BaselineParcels != 20_000 || !cfg.Paced || opts.doSweep || opts.out != "" {
				t.Errorf("defaults: %+v", opts)
			}
			if cfg.ReplayParcels != 100_000 || len(opts.processors) != 0 {
				t.Errorf("replay parcels %d, processors %v: want 100000 and none", cfg.ReplayParcels, opts.processors)
			}
			// The sweep draws no plot unless asked where: never over a
			// tracked file.
			if !slices.Equal(cfg.Fractions, []float64{0.1, 0.25, 0.5, 0.75, 1, 1.25}) || cfg.PlotPath != "" {
				t.Errorf("sweep defaults: fractions %v, plot %q", cfg.Fractions, cfg.PlotPath)
			}
		}},
		{"the issue's flags", []string{"--parcels", "100000", "--partitions", "4", "--baseline-parcels", "5000", "--paced=false", "--out", "r.json", "--instances", "2", "--replay-parcels", "0"},
			func(t *testing.T, opts options) {
				cfg := opts.sweep
				if cfg.Parcels != 100000 || cfg.Partitions != 4 || cfg.BaselineParcels != 5000 || cfg.Paced || opts.out != "r.json" || cfg.Instances != 2 || cfg.ReplayParcels != 0 {
					t.Errorf("parsed %+v", opts)
				}
			}},
		{"two processors", []string{"--processor", "base=" + old, "--processor", current},
			func(t *testing.T, opts options) {
				want := []bench.Build{{Name: "base", Executable: old}, {Name: current, Executable: current}}
				if !slices.Equal(opts.processors.builds(), want) {
					t.Errorf("processors %v, want %v", opts.processors, want)
				}
			}},
		{"sweep", []string{"--sweep", "--max-rate", "3000", "--fractions", "0.5, 1,1.5", "--step", "5s", "--plot", "out.png"},
			func(t *testing.T, opts options) {
				cfg := opts.sweep
				if !opts.doSweep || cfg.MaxRate != 3000 || !slices.Equal(cfg.Fractions, []float64{0.5, 1, 1.5}) || cfg.StepDuration != 5*time.Second || cfg.PlotPath != "out.png" {
					t.Errorf("parsed %+v", opts)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			opts, err := parseOptions(tc.args, &stderr)
			if err != nil {
				t.Fatalf("parseOptions(%q) = %v\n%s", tc.args, err, stderr.String())
			}
			tc.check(t, opts)
		})
	}
}

func TestParseOptionsRefuses(t *testing.T) {
	dir := t.TempDir()
	bin := fakeBinary(t, dir, "processor")
	notExecutable := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notExecutable, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the message on stderr
	}{
		{"no parcels", []string{"--parcels", "0"}, "parcels 0"},
		{"no partitions", []string{"--partitions", "0"}, "partitions 0"},
		{"negative replay", []string{"--replay-parcels", "-1"}, "replay parcels -1"},
		{"bad fraction", []string{"--sweep", "--fractions", "half"}, `"half" is not a number`},
		{"negative fraction", []string{"--sweep", "--fractions", "-1"}, "fraction -1"},
		{"plot without sweep", []string{"--plot", "x.png"}, "--plot: only with --sweep"},
		{"rounds with sweep", []string{"--sweep", "--rounds", "3"}, "--rounds: not with --sweep"},
		{"no rounds", []string{"--rounds", "0"}, "rounds 0: must be in [1, 20]"},
		{"missing processor", []string{"--processor", filepath.Join(dir, "nothing")}, "no such file"},
		{"processor not executable", []string{"--processor", notExecutable}, "not an executable file"},
		{"a name twice", []string{"--processor", "a=" + bin, "--processor", "a=" + bin}, `name "a" given twice`},
		{"unknown flag", []string{"--rate", "5"}, "flag provided but not defined"},
		{"an argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseOptions(tc.args, &stderr)
			if !errors.Is(err, errUsage) {
				t.Errorf("parseOptions(%q) = %v, want errUsage", tc.args, err)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseOptions([]string{"-h"}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseOptions(-h) = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"s321-bench --sweep", "-processor", "-replay-parcels", "-baseline-parcels", "-plot", "redis-server", "beside this binary"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help does not mention %q:\n%s", want, stderr.String())
		}
	}
}

// TestDefaultProcessor checks both ways the bench finds a processor
// without --processor: the one beside it, else one it builds and removes.
func TestDefaultProcessor(t *testing.T) {
	t.Run("beside", func(t *testing.T) {
		dir := t.TempDir()
		want := fakeBinary(t, dir, "processor")
		var log bytes.Buffer
		got, cleanup, err := findOrBuildProcessor(context.Background(), filepath.Join(dir, "s321-bench"), &log)
		if err != nil {
			t.Fatal(err)
		}
		cleanup()
		if got != want {
			t.Errorf("found %q, want %q", got, want)
		}
		if _, err := os.Stat(want); err != nil {
			t.Errorf("cleanup removed the binary beside: %v", err)
		}
	})
	t.Run("built", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds cmd/processor")
		}
		var log bytes.Buffer
		got, cleanup, err := findOrBuildProcessor(context.Background(), filepath.Join(t.TempDir(), "s321-bench"), &log)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(got, "help").Output()
		if err != nil || !strings.Contains(string(out), "usage: processor") {
			t.Errorf("%s help: %v\n%s", got, err, out)
		}
		cleanup()
		if _, err := os.Stat(filepath.Dir(got)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cleanup left %s: %v", filepath.Dir(got), err)
		}
	})
}

// TestTwoProcessorsSideBySide drives one build under two names, on 2,000
// parcels, and checks one JSON line comes out for each, in order,
// with the CPU a parcel of every process and the replay rate, and the
// table of both on stderr. It asserts nothing about speed.
func TestTwoProcessorsSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server, brokers and processors")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (the README's test command installs it): %v", err)
	}
	exe, cleanup, err := findOrBuildProcessor(context.Background(), filepath.Join(t.TempDir(), "s321-bench"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(t.TempDir(), "reports.jsonl")
	args := []string{"--processor", "base=" + exe, "--processor", "head=" + exe,
		"--parcels", "2000", "--paced=false", "--baseline-parcels", "0", "--redis-limit-ops", "0",
		"--replay-parcels", "300", "--partitions", "2", "--out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("s321-bench %q exited %d\n%s", args, code, stderr.String())
	}
	var names []string
	scanner := bufio.NewScanner(bytes.NewReader(stdout.Bytes()))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var rep bench.Report
		if err := json.Unmarshal(scanner.Bytes(), &rep); err != nil {
			t.Fatalf("a line of stdout is not a report: %v\n%s", err, scanner.Text())
		}
		names = append(names, rep.Build)
		if rep.Parcels != 2000 || rep.Executable != exe {
			t.Errorf("%s: %d parcels of %s, want 2000 of %s", rep.Build, rep.Parcels, rep.Executable, exe)
		}
		if rep.Replay == nil || rep.Replay.Parcels != 300 || rep.ReplayPerSecond <= 0 {
			t.Errorf("%s: replay %+v at %g/s: want 300 parcels at a positive rate", rep.Build, rep.Replay, rep.ReplayPerSecond)
		}
		if _, err := os.Stat("/proc/self/stat"); err == nil && (rep.ProcessorUSPerParcel <= 0 || rep.RedisUSPerParcel <= 0) {
			// CPU is read in clock ticks (10 ms): 2,000 parcels take
			// Redis several (400 took it less than one, at times); the
			// broker may spend under one, so only the processor's and
			// Redis's must show.
			t.Errorf("%s: CPU a parcel processor %g µs, redis %g µs: want both above 0", rep.Build, rep.ProcessorUSPerParcel, rep.RedisUSPerParcel)
		}
	}
	if !slices.Equal(names, []string{"base", "head"}) {
		t.Errorf("reports of %v, want base then head", names)
	}
	for _, want := range []string{"head / base", "processor_us_per_parcel", "replay_per_second"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr has no comparison row %q:\n%s", want, stderr.String())
		}
	}
	written, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(written, stdout.Bytes()) {
		t.Errorf("--out %s holds %d bytes (%v), want stdout's %d", out, len(written), err, stdout.Len())
	}
}
