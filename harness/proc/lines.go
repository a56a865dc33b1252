package proc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Lines reads what a process prints line by line, like a bufio.Scanner,
// except that each byte is searched for the newline once (a Scanner
// searches its whole buffer again after each read, which takes seconds on
// a line of tens of MiB) and a line longer than its bound is an error as
// soon as it is seen. A last line without a newline is a line; a "\r"
// before the newline is dropped.
type Lines struct {
	r    *bufio.Reader
	max  int
	line []byte
	err  error
}

// ErrLineTooLong is the error of a line over the bound.
var ErrLineTooLong = errors.New("line too long")

// NewLines reads r in lines of at most max bytes.
func NewLines(r io.Reader, max int) *Lines {
	return &Lines{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Scan reads the next line; false at the end of the input or on an error.
func (l *Lines) Scan() bool {
	if l.err != nil {
		return false
	}
	l.line = l.line[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.line)+len(chunk) > l.max+1 {
			l.err = ErrLineTooLong
			return false
		}
		l.line = append(l.line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			l.err = err
			return len(l.line) > 0
		}
		l.line = bytes.TrimSuffix(bytes.TrimSuffix(l.line, []byte("\n")), []byte("\r"))
		return true
	}
}

// Bytes is the line Scan read; it is valid until the next Scan.
func (l *Lines) Bytes() []byte { return l.line }

// Err is what ended the input, or nil at its end.
func (l *Lines) Err() error {
	if errors.Is(l.err, io.EOF) {
		return nil
	}
	return l.err
}
