package suite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/sysobs"
	"github.com/netconform/netconform/reports/render"
)

// CatalogueHash identifies the case catalogue: it changes when any case's
// ID, level, needs, setup, spec or script changes.
func CatalogueHash() string {
	h := sha256.New()
	for _, c := range Cases() {
		h.Write([]byte(c.Fingerprint()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Header describes this run for a report: the tool and catalogue, the
// toolchain and kernel, the timescale, and the options given.
func Header(options []string) render.Header {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if m.Path == "github.com/netconform/netconform" && m.Version != "" {
				version = m.Version
			}
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				version += "+" + s.Value[:12]
			}
		}
	}
	if v := os.Getenv("NETCONFORM_TOOL_VERSION"); v != "" {
		version = v
	}
	if options == nil {
		options = []string{}
	}
	return render.Header{
		Tool: "netconform", ToolVersion: version, CatalogueHash: CatalogueHash(),
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Kernel: sysobs.KernelRelease(), Timescale: harness.Timescale(), Options: options,
		Generated: time.Now().UTC().Truncate(time.Second),
	}
}

// reportMu serialises writes to a report folder within this process.
var reportMu sync.Mutex

// fragment is what one implementation's run leaves in a report folder.
type fragment struct {
	Impl    render.ImplInfo  `json:"impl"`
	Results []harness.Result `json:"results"`
}

// write saves the implementation's results in dir/.results and re-renders
// the report of every implementation saved there.
func (col *collector) write(dir string) error {
	reportMu.Lock()
	defer reportMu.Unlock()
	col.mu.Lock()
	frag := fragment{Impl: col.info, Results: col.results}
	col.mu.Unlock()
	frags := filepath.Join(dir, ".results")
	if err := os.MkdirAll(frags, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(frag)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(frags, frag.Impl.Name+".json"), b, 0o644); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(frags, "*.json"))
	if err != nil {
		return err
	}
	var impls []render.ImplInfo
	var results []harness.Result
	for _, f := range files {
		var fr fragment
		b, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(b, &fr)
		}
		if err != nil {
			return err
		}
		impls = append(impls, fr.Impl)
		results = append(results, fr.Results...)
	}
	r := render.New(Header([]string{EnvReportDir + "=" + dir}), impls, results)
	r.Normalize()
	return render.WriteDir(dir, r)
}
