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
