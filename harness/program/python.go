package program

import (
	"os"
	"os/exec"
	"strings"
	"sync"
)

// EnvPython names the Python interpreter the Python driver and the Python
// example programs run. Python sets it, once found, for the child
// processes of this one (isolated cases, which start Python too).
const EnvPython = "NETCONFORM_PYTHON"

// Python returns the interpreter behind python3 itself, found once per
// process tree: version-manager shims (pyenv, asdf) are scripts that
// start a shell and a dozen more processes on every start (~150 ms of
// CPU with pyenv), and a case starts a Python program or driver per case.
var Python = sync.OnceValues(func() (string, error) {
	if p := os.Getenv(EnvPython); p != "" {
		return p, nil
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", err
	}
	p := strings.TrimSpace(string(out))
	os.Setenv(EnvPython, p)
	return p, nil
})
