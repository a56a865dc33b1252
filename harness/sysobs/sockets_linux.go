package sysobs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SocketInodes returns the inodes of the sockets this process holds open.
func SocketInodes() (map[uint64]bool, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(l, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out, nil
}

// DescribeSockets names the sockets with these inodes from the
// namespace's socket table, as "tcp 127.0.0.1:40000 → 127.0.0.1:5555
// ESTABLISHED"; a socket of another family is "socket inode N".
func DescribeSockets(inodes map[uint64]bool) []string {
	found, _ := SocketsOf(inodes)
	var out []string
	for n := range inodes {
		if e, ok := found[n]; ok {
			out = append(out, e.String())
		} else {
			out = append(out, fmt.Sprintf("socket inode %d", n))
		}
	}
	return out
}
