//go:build unix && !linux

package bench

import "syscall"

// childAttr puts a child in a process group of its own, so a Ctrl-C at
// the terminal reaches only the bench, which stops the children in order.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
