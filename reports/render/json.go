package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WriteJSON writes the canonical form: indented, fields in a fixed order,
// maps sorted by key.
func WriteJSON(w io.Writer, r *Report) error { return writeReportJSON(w, r, true) }

// ReadJSON reads a report written by WriteJSON, of this package's Format
// (a report of another format is an error: a field may mean something
// else there).
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, err
	}
	switch {
	case r.Format == 0:
		return nil, errors.New("not a netconform report.json (no format)")
	case r.Format != Format:
		return nil, fmt.Errorf("a report.json of format %d; this version reads format %d", r.Format, Format)
	}
	return &r, nil
}

// writeReportJSON writes r as encoding/json writes it whole, one part and
// one result at a time, so that a report is never all encoded in memory.
// indented is report.json's form (two-space indent, HTML as is, a final
// newline); otherwise it is compact, with <, > and & escaped, for the page.
func writeReportJSON(w io.Writer, r *Report, indented bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	nl, sep, colon := "", ",", ":"
	if indented {
		enc.SetEscapeHTML(false)
		nl, sep, colon = "\n", ",\n", ": "
	}
	// put writes v, encoded with prefix before each line but the first.
	put := func(v any, prefix string) error {
		buf.Reset()
		if indented {
			enc.SetIndent(prefix, "  ")
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	field := func(name string, first bool) {
		if !first {
			bw.WriteString(sep)
		}
		if indented {
			bw.WriteString("  ")
		}
		bw.WriteString(`"` + name + `"` + colon)
	}
	bw.WriteString("{" + nl)
	for i, f := range []struct {
		name string
		v    any
	}{{"format", r.Format}, {"header", r.Header}, {"impls", r.Impls}, {"cases", r.Cases}} {
		field(f.name, i == 0)
		if err := put(f.v, "  "); err != nil {
			return err
		}
	}
	field("results", false)
	switch {
	case r.Results == nil:
		bw.WriteString("null")
	case len(r.Results) == 0:
		bw.WriteString("[]")
	default:
		bw.WriteString("[")
		for i := range r.Results {
			if i > 0 {
				bw.WriteString(",")
			}
			if indented {
				bw.WriteString("\n    ")
			}
			if err := put(&r.Results[i], "    "); err != nil {
				return err
			}
		}
		if indented {
			bw.WriteString("\n  ")
		}
		bw.WriteString("]")
	}
	if len(r.Causes) > 0 {
		field("causes", false)
		if err := put(r.Causes, "  "); err != nil {
			return err
		}
	}
	if r.Perf != nil {
		field("perf", false)
		if err := put(r.Perf, "  "); err != nil {
			return err
		}
	}
	field("footer", false)
	if err := put(r.Footer, "  "); err != nil {
		return err
	}
	bw.WriteString(nl + "}")
	if indented {
		bw.WriteString("\n")
	}
	return bw.Flush()
}
