package main

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseBench(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, opts benchOptions)
	}{
		{"defaults", nil, func(t *testing.T, opts benchOptions) {
			cfg := opts.sweep
			if cfg.Parcels != 1_000_000 || cfg.Partitions != 12 || cfg.Instances != 1 || cfg.BaselineParcels != 20_000 || !cfg.Paced || opts.doSweep || opts.out != "" {
				t.Errorf("defaults: %+v", opts)
			}
			if !slices.Equal(cfg.Fractions, []float64{0.1, 0.25, 0.5, 0.75, 1, 1.25}) || cfg.PlotPath != "docs/performance-sweep.png" {
				t.Errorf("sweep defaults: fractions %v, plot %q", cfg.Fractions, cfg.PlotPath)
			}
		}},
		{"the issue's flags", []string{"--parcels", "100000", "--partitions", "4", "--baseline-parcels", "5000", "--paced=false", "--out", "r.json", "--instances", "2"},
			func(t *testing.T, opts benchOptions) {
				cfg := opts.sweep
				if cfg.Parcels != 100000 || cfg.Partitions != 4 || cfg.BaselineParcels != 5000 || cfg.Paced || opts.out != "r.json" || cfg.Instances != 2 {
					t.Errorf("parsed %+v", opts)
				}
			}},
		{"sweep", []string{"--sweep", "--max-rate", "3000", "--fractions", "0.5, 1,1.5", "--step", "5s", "--plot", ""},
			func(t *testing.T, opts benchOptions) {
				cfg := opts.sweep
				if !opts.doSweep || cfg.MaxRate != 3000 || !slices.Equal(cfg.Fractions, []float64{0.5, 1, 1.5}) || cfg.StepDuration != 5*time.Second || cfg.PlotPath != "" {
					t.Errorf("parsed %+v", opts)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			opts, err := parseBench(tc.args, &stderr)
			if err != nil {
				t.Fatalf("parseBench(%q) = %v\n%s", tc.args, err, stderr.String())
			}
			tc.check(t, opts)
		})
	}
}

func TestParseBenchRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the message on stderr
	}{
		{"no parcels", []string{"--parcels", "0"}, "parcels 0"},
		{"no partitions", []string{"--partitions", "0"}, "partitions 0"},
		{"bad fraction", []string{"--sweep", "--fractions", "half"}, `"half" is not a number`},
		{"negative fraction", []string{"--sweep", "--fractions", "-1"}, "fraction -1"},
		{"unknown flag", []string{"--rate", "5"}, "flag provided but not defined"},
		{"an argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseBench(tc.args, &stderr)
			if !errors.Is(err, errUsage) {
				t.Errorf("parseBench(%q) = %v, want errUsage", tc.args, err)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestBenchHelp(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseBench([]string{"-h"}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseBench(-h) = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"processor bench --sweep", "-baseline-parcels", "-paced", "-out", "redis-server"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help does not mention %q:\n%s", want, stderr.String())
		}
	}
}
