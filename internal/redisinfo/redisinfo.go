// Package redisinfo reads figures from the text Redis's INFO command
// returns, for the benchmarks that report what redis-server spent. It
// does no I/O.
package redisinfo

import (
	"fmt"
	"strconv"
	"strings"
)

// CPUSeconds returns the CPU seconds redis-server has used, its main
// process's used_cpu_user plus used_cpu_sys, from the text of INFO (the
// cpu section or more).
func CPUSeconds(info string) (float64, error) {
	var seconds float64
	for line := range strings.Lines(info) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "used_cpu_user" || name == "used_cpu_sys" {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return 0, fmt.Errorf("info cpu %s: %w", name, err)
			}
			seconds += v
		}
	}
	return seconds, nil
}

// UsedMemory returns used_memory, the bytes redis-server's data takes
// (allocator overhead included), from the text of INFO (the memory
// section or more).
func UsedMemory(info string) (int64, error) {
	for line := range strings.Lines(info) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("info memory used_memory: %w", err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("info memory: no used_memory")
}

// Command is what redis-server reports of one command in INFO
// commandstats: the calls it ran, the microseconds they took, and the
// calls it refused before running them (rejected: an ACL, a wrong
// number of arguments) or that failed as they ran (an error reply).
type Command struct {
	Calls, USec, RejectedCalls, FailedCalls float64
}

// Commands returns the figures of every command in the text of INFO
// (the commandstats section or more), by command name in lower case.
// Commands a script runs count on their own and within its EVALSHA.
func Commands(info string) map[string]Command {
	out := make(map[string]Command)
	for line := range strings.Lines(info) {
		// cmdstat_evalsha:calls=130,usec=1234,usec_per_call=9.49,rejected_calls=0,failed_calls=0
		name, fields, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCommand := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCommand {
			continue
		}
		var c Command
		for field := range strings.SplitSeq(fields, ",") {
			key, value, _ := strings.Cut(field, "=")
			v, _ := strconv.ParseFloat(value, 64)
			switch key {
			case "calls":
				c.Calls = v
			case "usec":
				c.USec = v
			case "rejected_calls":
				c.RejectedCalls = v
			case "failed_calls":
				c.FailedCalls = v
			}
		}
		out[name] = c
	}
	return out
}
