// Package chatty is a test package for the report command's memory test
// (reports/memory_test.go): before its implementation's cases it prints
// CHATTY_MB MiB to stdout, in lines of CHATTY_LINE bytes (0: no newline at
// all), as an implementation that logs without bound does.
package chatty_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/suite"
)

func TestConformance(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("CHATTY_MB"))
	if mb == 0 {
		t.Skip("run by reports/memory_test.go, through the report command")
	}
	line, _ := strconv.Atoi(os.Getenv("CHATTY_LINE"))
	im := stdnet.TCP
	im.Name = "chatty"
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	chunk := strings.Repeat("x", 1<<20)
	if line > 0 {
		chunk = strings.Repeat(strings.Repeat("y", line-1)+"\n", (1<<20)/line)
	}
	for range mb {
		w.WriteString(chunk)
	}
	w.WriteString("\n")
	w.Flush()
	suite.Run(t, im)
}
