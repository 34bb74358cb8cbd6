package redisinfo

import "testing"

// TestCPUSeconds adds the main process's user and system seconds and
// nothing else, and names a figure it cannot read.
func TestCPUSeconds(t *testing.T) {
	info := "# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:2.500000\r\nused_cpu_sys_children:9.000000\r\n" +
		"used_cpu_user_main_thread:2.400000\r\n"
	if got, err := CPUSeconds(info); err != nil || got != 3.75 {
		t.Errorf("CPUSeconds: %v %v, want 3.75", got, err)
	}
	if _, err := CPUSeconds("used_cpu_user:many\r\n"); err == nil {
		t.Error("an unreadable figure gave no error")
	}
}

// TestCommands reads each command's figures, and nothing from lines of
// other sections.
func TestCommands(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_evalsha:calls=130,usec=1234,usec_per_call=9.49,rejected_calls=2,failed_calls=1\r\n" +
		"cmdstat_restore:calls=7,usec=20,usec_per_call=2.86,rejected_calls=0,failed_calls=3\r\nused_memory:100\r\n"
	got := Commands(info)
	want := map[string]Command{
		"evalsha": {Calls: 130, USec: 1234, RejectedCalls: 2, FailedCalls: 1},
		"restore": {Calls: 7, USec: 20, FailedCalls: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("Commands: %v, want %v", got, want)
	}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s: %+v, want %+v", name, got[name], c)
		}
	}
}

// TestUsedMemory reads used_memory, not the figures whose names begin
// with it, and says when it cannot.
func TestUsedMemory(t *testing.T) {
	info := "# Memory\r\nused_memory_human:1.50M\r\nused_memory:1572864\r\nused_memory_rss:4096000\r\n"
	if got, err := UsedMemory(info); err != nil || got != 1572864 {
		t.Errorf("UsedMemory: %v %v, want 1572864", got, err)
	}
	for _, bad := range []string{"# Memory\r\nused_memory_rss:4096\r\n", "used_memory:lots\r\n"} {
		if _, err := UsedMemory(bad); err == nil {
			t.Errorf("UsedMemory(%q) gave no error", bad)
		}
	}
}
