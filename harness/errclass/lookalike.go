package errclass

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"

	"github.com/netconform/netconform/harness/sysobs"
)

// texts maps each class that has one identity to that identity's message:
// the text a copy of it carries.
var texts = func() map[Class]string {
	m := map[Class]string{
		EOF:              io.EOF.Error(),
		Closed:           net.ErrClosed.Error(),
		ClosedPipe:       io.ErrClosedPipe.Error(),
		Deadline:         os.ErrDeadlineExceeded.Error(),
		Canceled:         context.Canceled.Error(),
		ContextDeadline:  context.DeadlineExceeded.Error(),
		WriteToConnected: net.ErrWriteToConnected.Error(),
		NotImplemented:   errors.ErrUnsupported.Error(),
	}
	for name, c := range byErrno {
		if _, seen := m[c]; !seen {
			if n, ok := sysobs.ErrnoByName(name); ok {
				m[c] = n.Error()
			}
		}
	}
	return m
}()

// Lookalike returns the class whose identity's message the error's text
// ends with ("EOF", "wrap: use of closed network connection") when the
// error is not of that class: the error is a text copy (made with
// errors.New(err.Error()) or fmt.Errorf with %v), and errors.Is fails on
// it. It is a diagnosis, never a verdict: errors are judged by meaning.
func (e *Info) Lookalike() (Class, bool) {
	if e == nil {
		return None, false
	}
	for _, c := range All {
		t, ok := texts[c]
		if ok && c != e.Class && (e.Text == t || strings.HasSuffix(e.Text, ": "+t)) {
			return c, true
		}
	}
	return None, false
}
