package main

import (
	"os"
	"strconv"
	"testing"
)

// TestGenerateStream writes a generated go test -json stream to
// NETCONFORM_GEN_OUT (kind NETCONFORM_GEN_KIND, NETCONFORM_GEN_MB MiB), for
// measuring the report command by hand:
//
//	NETCONFORM_GEN_OUT=/tmp/in.jsonl NETCONFORM_GEN_KIND=many NETCONFORM_GEN_MB=1024 go test -run TestGenerateStream ./reports
//	/usr/bin/time -v go run ./reports -from /tmp/in.jsonl -out /tmp/r
func TestGenerateStream(t *testing.T) {
	path := os.Getenv("NETCONFORM_GEN_OUT")
	if path == "" {
		t.Skip("set NETCONFORM_GEN_OUT")
	}
	mb, _ := strconv.Atoi(os.Getenv("NETCONFORM_GEN_MB"))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := genStream(f, os.Getenv("NETCONFORM_GEN_KIND"), int64(mb)<<20); err != nil {
		t.Fatal(err)
	}
}
