package model

import (
	"fmt"
	"strings"
)

// Expect is what the model expects of a call, in the shape of its results.
type Expect struct {
	Block bool     // the call should still be blocked
	N     int      // bytes read or written; -1 when not one number
	Data  []byte   // a Read's bytes: std's choice (the contract accepts any non-empty prefix)
	From  int      // ReadFrom's source socket; -1 for none
	Class []string // acceptable error classes, preferred first; empty: nil
	// AtDeadline: the error comes at the deadline, not before.
	AtDeadline bool
	Note       string // what the fields cannot say
}

func expectErr(classes ...string) Expect { return Expect{N: 0, From: -1, Class: classes} }

func expectN(n int) Expect { return Expect{N: n, From: -1} }

func expectData(b []byte) Expect { return Expect{N: len(b), Data: b, From: -1} }

var expectBlock = Expect{Block: true, N: -1, From: -1}

// String renders e like the call's results: `3 "abc"`, `0, eof`.
func (e Expect) String() string {
	if e.Block {
		return "to block" + e.Note
	}
	var b strings.Builder
	if e.N >= 0 {
		fmt.Fprintf(&b, "%d", e.N)
		if len(e.Data) > 0 {
			b.WriteString(" " + quote(e.Data))
		}
	}
	if e.From >= 0 {
		b.WriteString(" from " + SockName(e.From))
	}
	if len(e.Class) > 0 {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.Join(e.Class, " or "))
	}
	if e.AtDeadline {
		b.WriteString(" at its deadline")
	}
	if b.Len() == 0 && !strings.HasPrefix(e.Note, " ") && e.Note != "" {
		return e.Note
	}
	if b.Len() == 0 {
		b.WriteString("nil")
	}
	if e.Note != "" && !strings.HasPrefix(e.Note, " ") {
		return b.String() + ", " + e.Note // 0, an error
	}
	return b.String() + e.Note
}
