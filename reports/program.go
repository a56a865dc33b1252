package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// The program flags: -server, -udp-server and -client run a program
// exactly as it is through the program cases (suite.RunProgram), in the
// test process of suite/programtest, which reads the program from the
// environment (harness/program.FromEnv: the names below are its).
type programOptions struct {
	server, udpServer, client string
	conv, name                string
	port                      int
}

func addProgramFlags(fs *flag.FlagSet, p *programOptions) {
	fs.StringVar(&p.server, "server", "", "run the program cases on this TCP server command line ({port}, {addr} and $PORT name its port), instead of the built-in implementations")
	fs.StringVar(&p.udpServer, "udp-server", "", "run the program cases on this UDP server command line")
	fs.StringVar(&p.client, "client", "", "run the program cases on this TCP client command line")
	fs.StringVar(&p.conv, "conv", "", `the conversation: echo (default), hello, line, or "send=TEXT;expect=REGEXP;closes=server|client"`)
	fs.StringVar(&p.name, "name", "", "the program's name in the report (default: after its command)")
	fs.IntVar(&p.port, "port", 0, "the port given to the program ({port}, PORT; default 8080), and where a client program is expected to connect")
}

// setupProgram points the run at suite/programtest with the program in
// its environment, when a program flag is set.
func setupProgram(o *options) error {
	p := &o.program
	set := 0
	kind, line := "", ""
	for k, v := range map[string]string{"tcp-server": p.server, "udp-server": p.udpServer, "tcp-client": p.client} {
		if v != "" {
			set++
			kind, line = k, v
		}
	}
	switch {
	case set == 0:
		return nil
	case set > 1:
		return usageError{errors.New("give one of -server, -udp-server and -client")}
	case len(o.pkgs) > 0:
		return usageError{errors.New("-pkg and a program flag cannot be combined")}
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	env := map[string]string{
		"NETCONFORM_PROGRAM_CMD": line, "NETCONFORM_PROGRAM_KIND": kind, "NETCONFORM_PROGRAM_CONV": p.conv,
		"NETCONFORM_PROGRAM_NAME": p.name, "NETCONFORM_PROGRAM_DIR": wd,
	}
	if p.port > 0 {
		env["NETCONFORM_PROGRAM_PORT"] = strconv.Itoa(p.port)
	}
	// TestConformance runs the program the environment names.
	return useTestPackage(o, "suite/programtest", "^TestConformance$", env)
}

// useTestPackage points the run at one of the repository's test packages
// (rel, from the repository's root) instead of the built-in ones: its
// tests that match tests, with env in the environment of its processes.
// The program and driver flags run a command line through it.
func useTestPackage(o *options, rel, tests string, env map[string]string) error {
	_, file, _, _ := runtime.Caller(0)
	o.pkgs = append(o.pkgs, filepath.Join(filepath.Dir(file), "..", filepath.FromSlash(rel)))
	o.pkgTests = tests
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}
