package proc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/netconform/netconform/harness/proc"
)

// TestCopyExecutable: the copy has the content and is executable, and a
// copy over an existing file replaces it whole.
func TestCopyExecutable(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("a longer file that was there before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := proc.CopyExecutable(src, dst); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "#!/bin/sh\n" {
		t.Fatalf("copy = %q, %v; want %q", b, err, "#!/bin/sh\n")
	}
	if err := proc.CopyExecutable(filepath.Join(dir, "missing"), dst); err == nil {
		t.Fatal("CopyExecutable of a missing file = nil, want an error")
	}
	fi, err := os.Stat(filepath.Join(dir, "new"))
	if err == nil {
		t.Fatalf("unexpected %v", fi)
	}
	if err := proc.CopyExecutable(src, filepath.Join(dir, "new")); err != nil {
		t.Fatal(err)
	}
	if fi, err = os.Stat(filepath.Join(dir, "new")); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("a new copy's mode = %v, %v; want executable", fi.Mode(), err)
	}
}
