package script

import (
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/sysobs"
)

// The program family: cases about a server or client program run as it
// is (harness/program). Their steps are Func steps that reach the case's
// program through Program.

// ProgramCase is the program of a program case (program.Case).
type ProgramCase = program.Case

// ProgramSocket is a socket a program holds (program.Socket).
type ProgramSocket = program.Socket

// ProgramSock is the kernel's view of a TCP socket (ProgramCase.SockOf).
type ProgramSock = sysobs.Sock

// Program kinds.
const (
	TCPServerProgram = program.TCPServer
	UDPServerProgram = program.UDPServer
	TCPClientProgram = program.TCPClient
)

// Program returns the program of the case x runs: an error when the
// implementation is not a program (program.Impl).
func Program(x *X) (*ProgramCase, error) { return program.From(x.Context()) }

// ClassOf is the meaning of an error (errclass.Classify), for Func steps
// that judge errors themselves.
func ClassOf(err error) Class { return errclass.Classify(err) }

// QuoteBytes shows bytes as evidence does: a Go string, cut after 64 bytes.
func QuoteBytes(b []byte) string { return program.Quote(b) }
