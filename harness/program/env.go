package program

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The environment through which the report command's -server, -udp-server
// and -client flags name a program to the test process that runs it
// (suite/programtest's TestConformance). reports/program.go sets them.
const (
	EnvCmd  = "NETCONFORM_PROGRAM_CMD"  // the command line
	EnvKind = "NETCONFORM_PROGRAM_KIND" // tcp-server, udp-server, tcp-client
	EnvConv = "NETCONFORM_PROGRAM_CONV" // the conversation (ParseConversation)
	EnvPort = "NETCONFORM_PROGRAM_PORT" // the port for {port} and PORT
	EnvName = "NETCONFORM_PROGRAM_NAME" // the name in the report
	EnvDir  = "NETCONFORM_PROGRAM_DIR"  // the working directory
)

// FromEnv reads the program the environment names; ok is false when it
// names none.
func FromEnv() (spec Spec, ok bool, err error) {
	line := os.Getenv(EnvCmd)
	if line == "" {
		return Spec{}, false, nil
	}
	spec.Argv, err = ParseCommand(line)
	if err != nil {
		return spec, true, err
	}
	spec.Kind = Kind(os.Getenv(EnvKind))
	switch spec.Kind {
	case TCPServer, UDPServer, TCPClient:
	case "":
		spec.Kind = TCPServer
	default:
		return spec, true, fmt.Errorf("%s=%q: want tcp-server, udp-server or tcp-client", EnvKind, spec.Kind)
	}
	if spec.Conv, err = ParseConversation(os.Getenv(EnvConv)); err != nil {
		return spec, true, err
	}
	if p := os.Getenv(EnvPort); p != "" {
		if spec.Port, err = strconv.Atoi(p); err != nil || spec.Port <= 0 || spec.Port > 65535 {
			return spec, true, fmt.Errorf("%s=%q: want a port number", EnvPort, p)
		}
	}
	spec.Dir = os.Getenv(EnvDir)
	spec.Name = os.Getenv(EnvName)
	if spec.Name == "" {
		spec.Name = DefaultName(spec.Argv)
	}
	return spec, true, nil
}

var notName = regexp.MustCompile(`[^a-z0-9]+`)

// DefaultName names a program after its command: "program-tcp-server-py".
func DefaultName(argv []string) string {
	base := filepath.Base(argv[0])
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "-") && strings.ContainsAny(a, "./") {
			base = filepath.Base(a) // python3 server.py: the script names it
			break
		}
	}
	n := strings.Trim(notName.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if n == "" {
		n = "x"
	}
	return "program-" + n
}
