package render

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/netconform/netconform/harness/proc"
)

// Schema is the JSON Schema of report.json (format 1). WriteDir writes it
// next to every report, so report.json and its schema travel together.
//
//go:embed report.schema.json
var Schema []byte

// Files are the report's files, by name, and their writers.
var Files = []struct {
	Name  string
	Write func(io.Writer, *Report) error
}{
	{"report.json", WriteJSON},
	{"README.md", WriteMarkdown},
	{"index.html", WriteHTML},
	{"junit.xml", WriteJUnit},
	{"report.schema.json", func(w io.Writer, r *Report) error { _, err := w.Write(Schema); return err }},
}

// WriteDir writes every form of the report into dir (created if needed),
// and the wire traces' pcap files into its PcapDir,
// each file streamed to a temporary file beside it (removed if the process
// is interrupted) and renamed over the old one.
func WriteDir(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range Files {
		if err := writeFile(filepath.Join(dir, f.Name), func(w io.Writer) error { return f.Write(w, r) }); err != nil {
			return fmt.Errorf("writing %s: %w", f.Name, err)
		}
	}
	if err := writePcaps(dir, r); err != nil {
		return fmt.Errorf("writing the pcap files: %w", err)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	proc.Track(tmp)
	defer proc.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
