package bench

import "syscall"

// childAttr has nothing to set on Windows: children share the console's
// Ctrl-C, and the bench stops whichever are left.
func childAttr() *syscall.SysProcAttr { return nil }
