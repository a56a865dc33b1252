package mutants_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMisbehavingImplementations runs the report command on
// implementations that panic in their own goroutine, call os.Exit,
// deadlock in Close, block in Accept after Close, leak goroutines and leak
// sockets (package misbehave). Each runs in a process of its own, so the
// report completes in bounded time with error, timeout and fail rows that
// carry the evidence: the panic's stack, the exit status and stderr, the
// blocked call, the leaked goroutine or socket.
func TestMisbehavingImplementations(t *testing.T) {
	skipInChild(t)
	if testing.Short() {
		t.Skip("builds and runs the report command")
	}
	out := t.TempDir()
	root := filepath.Join("..", "..")
	reports := filepath.Join(out, "reports")
	build := exec.Command("go", "build", "-o", reports, "./reports")
	build.Dir = root
	b, err := build.CombinedOutput()
	require.NoError(t, err, "%s", b)
	cases := `^(eof\.read\.after-peer-close|closed\.close\.returns-nil|listener\.accept\.after-close|conn\.transfer\.ping-pong|leak\..*)$`
	cmd := exec.Command(reports, "-pkg", "impls/mutants/misbehave", "-run", cases,
		"-budget", "90s", "-jobs", "6", "-out", out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NETCONFORM_MISBEHAVE=1")
	began := time.Now()
	output, err := cmd.CombinedOutput()
	took := time.Since(began)
	t.Logf("go run ./reports took %v", took.Round(time.Second))
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the report must find failures:\n%s", output)
	require.Equal(t, 2, ee.ExitCode(), "exit status 2 means failures found:\n%s", output)
	assert.Less(t, took, 3*time.Minute)

	var rep struct {
		Impls []struct {
			Name     string `json:"name"`
			Evidence string `json:"evidence"`
		} `json:"impls"`
		Results []struct {
			Impl, Case, Outcome, Reason, Evidence string
			Findings                              []struct{ Call, Got, Want string }
		} `json:"results"`
	}
	b, err = os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))

	// everything the rows of impl say, with its implementation's evidence
	said := func(impl string) (outcomes map[string]string, text string) {
		outcomes = map[string]string{}
		var sb strings.Builder
		for _, im := range rep.Impls {
			if im.Name == impl {
				sb.WriteString(im.Evidence)
			}
		}
		for _, r := range rep.Results {
			if r.Impl != impl {
				continue
			}
			outcomes[r.Case] = r.Outcome
			sb.WriteString(r.Reason + r.Evidence)
			for _, f := range r.Findings {
				sb.WriteString(f.Call + " = " + f.Got + "\n")
			}
		}
		return outcomes, sb.String()
	}

	o, text := said("misbehave-panic-goroutine")
	assert.Contains(t, text, "panic: misbehave: a panic in the implementation's own goroutine")
	assert.Contains(t, text, "misbehave.panicConn.Read", "the panic's stack is evidence")
	assert.Contains(t, o, "eof.read.after-peer-close")
	assert.Contains(t, valuesOf(o), "error")

	o, text = said("misbehave-os-exit")
	assert.Contains(t, text, "exit status 3")
	assert.Contains(t, text, "misbehave: Close calls os.Exit(3)", "stderr is evidence")
	assert.Contains(t, valuesOf(o), "error")

	o, text = said("misbehave-close-deadlock")
	assert.Equal(t, "timeout", o["closed.close.returns-nil"], text)
	assert.Contains(t, text, "iut.Close()")

	o, text = said("misbehave-accept-blocks")
	assert.Equal(t, "timeout", o["listener.accept.after-close"], text)

	o, text = said("misbehave-goroutine-leak")
	assert.Equal(t, "fail", o["leak.goroutines.after-cases"], text)
	assert.Contains(t, text, "misbehave.goroutineLeak.conn", "the leaked goroutine's stack is evidence")

	o, text = said("misbehave-socket-leak")
	assert.Equal(t, "fail", o["leak.sockets.after-cases"], text)
	assert.Contains(t, text, "udp 127.0.0.1:")
}

func valuesOf(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
