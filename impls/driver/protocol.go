// Package driver turns any program that speaks the netconform driver
// protocol (PROTOCOL.md: NDJSON over stdin and stdout) into an
// implementation under test, in reference-peer topology: the driver's
// sockets are kernel sockets on this machine, so kernel states, socket
// options and wire traces are checked on it like on Go code.
//
// Each case runs its own driver process, killed as a process group when
// the case ends; a driver that breaks the protocol fails its case as an
// error with its stderr attached, and the next case starts afresh.
package driver

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Version is the protocol version this package speaks.
const Version = 1

// Schema is protocol.schema.json: one JSON Schema definition per message.
//
//go:embed protocol.schema.json
var Schema []byte

// Ops lists every operation of the protocol, in PROTOCOL.md's order.
var Ops = []string{
	"hello", "listen", "accept", "dial", "listen_packet", "read", "write",
	"read_from", "write_to", "close", "close_write", "close_read",
	"set_deadline", "set_read_deadline", "set_write_deadline",
	"set_keepalive", "set_linger", "set_nodelay", "get_sockopt",
	"local_addr", "remote_addr", "cancel", "bye",
}

// Request is one request line: its id, op and arguments.
type Request map[string]any

// A Reply is one reply line.
type Reply struct {
	ID          int64           `json:"id"`
	Result      json.RawMessage `json:"result,omitempty"`
	Error       *WireError      `json:"error,omitempty"`
	Unsupported *string         `json:"unsupported,omitempty"`

	// data is the result's "data" bytes when parseReply decoded them
	// apart from the rest (splitData); Result's data string is then empty.
	data []byte
}

// WireError is the error object of a reply.
type WireError struct {
	Kind  string `json:"kind"`
	Errno string `json:"errno,omitempty"`
	Text  string `json:"text"`
}

// Result holds every field a result may carry; each op uses some.
type Result struct {
	H      int64  `json:"h"`
	Addr   string `json:"addr"`
	Local  string `json:"local"`
	Remote string `json:"remote"`
	From   string `json:"from"`
	Data   []byte `json:"data"`
	N      int    `json:"n"`
	FD     *int   `json:"fd"`
	Value  int    `json:"value"`
}

// Hello is the result of hello.
type Hello struct {
	Protocol    int      `json:"protocol"`
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Language    string   `json:"language"`
	Description string   `json:"description"`
	Caps        []string `json:"caps"`
	CloseMode   string   `json:"close_mode"`
	// Reuse says a process may serve more than one case (PROTOCOL.md,
	// "Life cycle"); without it every case starts a new process.
	Reuse bool `json:"reuse"`
	Known []struct {
		Case   string `json:"case"`
		Role   string `json:"role"`
		Reason string `json:"reason"`
		Link   string `json:"link"`
	} `json:"known"`
}

// check validates a reply's shape beyond what JSON decoding does.
func (r *Reply) check() error {
	n := 0
	if r.Result != nil {
		n++
	}
	if r.Error != nil {
		n++
	}
	if r.Unsupported != nil {
		n++
	}
	switch {
	case n == 0:
		return fmt.Errorf("reply %d has none of result, error, unsupported", r.ID)
	case r.Unsupported != nil && n > 1:
		return fmt.Errorf("reply %d mixes unsupported with result or error", r.ID)
	case r.Error != nil && r.Error.Kind == "":
		return fmt.Errorf("reply %d has an error without a kind", r.ID)
	}
	return nil
}
