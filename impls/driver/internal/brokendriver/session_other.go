//go:build !unix

package main

import "syscall"

// sessionAttr: sessions are a Unix notion.
func sessionAttr() *syscall.SysProcAttr { return nil }
