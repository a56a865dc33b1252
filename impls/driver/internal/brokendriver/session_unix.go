//go:build unix

package main

import "syscall"

// sessionAttr starts a process in a session of its own.
func sessionAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
