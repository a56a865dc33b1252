package render

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// Schema is the JSON Schema of report.json (format 1). WriteDir writes it
// next to every report, so report.json and its schema travel together.
//
//go:embed report.schema.json
var Schema []byte

// Files are the report's files, by name, and their writers.
var Files = []struct {
	Name  string
	Write func(*bytes.Buffer, *Report) error
}{
	{"report.json", func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) }},
	{"README.md", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
	{"index.html", func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) }},
	{"junit.xml", func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) }},
	{"report.schema.json", func(b *bytes.Buffer, r *Report) error { _, err := b.Write(Schema); return err }},
}

// WriteDir writes every form of the report into dir (created if needed),
// each file replaced atomically.
func WriteDir(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range Files {
		var b bytes.Buffer
		if err := f.Write(&b, r); err != nil {
			return fmt.Errorf("rendering %s: %w", f.Name, err)
		}
		tmp := filepath.Join(dir, "."+f.Name+".tmp")
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.Name)); err != nil {
			return err
		}
	}
	return nil
}
