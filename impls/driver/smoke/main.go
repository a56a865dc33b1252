// Command smoke checks that a program speaks the netconform driver
// protocol (../PROTOCOL.md) before the suite is run on it:
//
//	go run ./impls/driver/smoke -- ./my-driver [args]
//
// It says hello, checks the declaration, sends every operation the driver
// declares (and a few it should refuse), validates each reply against
// protocol.schema.json and checks the meaning of the answers that have
// one. It prints one line per check and what to fix, and exits 1 when a
// check fails.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "working directory of the driver")
	verbose := fs.Bool("v", false, "print every request and reply")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./impls/driver/smoke [-dir d] [-v] -- driver-command [args...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fs.Usage()
		return 2
	}
	c := &checker{argv: argv, dir: *dir, out: stdout, verbose: *verbose}
	c.run()
	return c.summary()
}
