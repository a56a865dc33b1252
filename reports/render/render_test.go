package render_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden renders the fixture to every format and compares with the
// golden files in testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	rep := fixture()
	for _, f := range render.Files {
		t.Run(f.Name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, f.Write(&b, rep))
			path := filepath.Join("testdata", "golden", f.Name)
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./reports/render -update to create the golden files")
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", f.Name, path, firstDiff(b.String(), string(want)))
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + itoa(i+1) + ":\n  got:  " + gl + "\n  want: " + wl
		}
	}
	return ""
}

func itoa(i int) string { return jsonNum(i) }

func jsonNum(i int) string { b, _ := json.Marshal(i); return string(b) }

// schema compiles the published report schema.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	var doc any
	require.NoError(t, json.Unmarshal(render.Schema, &doc))
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("report.schema.json", doc))
	s, err := c.Compile("report.schema.json")
	require.NoError(t, err)
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte, name string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err, name)
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s does not validate against report.schema.json:\n%v", name, err)
	}
}

// TestReportsValidateAgainstSchema validates the fixture's report and the
// committed report of the built-in implementations.
func TestReportsValidateAgainstSchema(t *testing.T) {
	s := schema(t)
	var b bytes.Buffer
	require.NoError(t, render.WriteJSON(&b, fixture()))
	validate(t, s, b.Bytes(), "the fixture's report.json")
	if data, err := os.ReadFile("../report.json"); err == nil {
		validate(t, s, data, "reports/report.json")
	} else {
		t.Logf("no committed reports/report.json to validate: %v", err)
	}
	committed, err := os.ReadFile("../report.schema.json")
	if err == nil {
		require.Equal(t, string(render.Schema), string(committed), "reports/report.schema.json must be the schema render embeds (go run ./reports rewrites it)")
	}
}

// TestSchemaRejectsBrokenReports: the schema catches what it is for.
func TestSchemaRejectsBrokenReports(t *testing.T) {
	s := schema(t)
	var b bytes.Buffer
	require.NoError(t, render.WriteJSON(&b, fixture()))
	for name, mutate := range map[string]func(map[string]any){
		"unknown outcome": func(m map[string]any) { m["results"].([]any)[0].(map[string]any)["outcome"] = "great" },
		"bad case ID":     func(m map[string]any) { m["results"].([]any)[0].(map[string]any)["case"] = "Read After Close" },
		"missing header":  func(m map[string]any) { delete(m, "header") },
		"unknown error cls": func(m map[string]any) {
			m["results"].([]any)[0].(map[string]any)["transcript"].([]any)[1].(map[string]any)["err"].(map[string]any)["class"] = "oops"
		},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b.Bytes(), &m))
		mutate(m)
		data, _ := json.Marshal(m)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		require.NoError(t, err)
		require.Error(t, s.Validate(inst), name)
	}
}

func TestExitCode(t *testing.T) {
	rep := fixture()
	require.Equal(t, 2, rep.ExitCode(), "an error row means something could not run")
	mk := func(os ...result.Outcome) *render.Report {
		var rs []result.Result
		for i, o := range os {
			rs = append(rs, result.Result{Impl: "x", Case: "a.b.c" + jsonNum(i), Role: harness.RoleClient, Outcome: o})
		}
		return render.New(render.Header{}, nil, rs)
	}
	require.Equal(t, 0, mk(result.Pass, result.KnownFailure, result.Unsupported, result.Skip, result.Info).ExitCode())
	require.Equal(t, 1, mk(result.Pass, result.Fail).ExitCode())
	require.Equal(t, 1, mk(result.UnexpectedPass).ExitCode())
	require.Equal(t, 1, mk(result.Timeout).ExitCode())
}

func TestFooterCounts(t *testing.T) {
	rep := fixture()
	require.Equal(t, len(rep.Results), rep.Footer.Total)
	require.Equal(t, 3, rep.Footer.ByOutcome[result.Pass])
	require.Equal(t, 1, rep.Footer.ByImpl["gamma"][result.Error])
	require.Equal(t, 2, rep.Footer.ByArea["deadline"][result.Timeout]+rep.Footer.ByArea["deadline"][result.Pass])
}
