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
