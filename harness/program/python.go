package program

import (
	"os/exec"
	"strings"
	"sync"
)

// Python returns the interpreter behind python3 itself, found once:
// version-manager shims (pyenv, asdf) are scripts that start a shell and
// more on every start, and a case starts a Python program or driver per
// case.
var Python = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
})
