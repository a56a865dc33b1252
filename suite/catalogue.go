package suite

import (
	_ "embed"
	"maps"
	"strings"
)

// catalogueText is the behaviour catalogue the cases cite (Case.Catalogue).
//
//go:embed CATALOGUE.md
var catalogueText string

// A Behaviour is one entry of the behaviour catalogue (CATALOGUE.md).
type Behaviour struct {
	ID    string // "H1b"
	Title string
	Level string // contract, convention or informational
}

// Catalogue returns the catalogue's behaviours in the document's order.
func Catalogue() []Behaviour {
	var out []Behaviour
	for _, block := range strings.Split(catalogueText, "\n### ")[1:] {
		head, body, _ := strings.Cut(block, "\n")
		id, title, _ := strings.Cut(head, " — ")
		b := Behaviour{ID: strings.TrimSpace(id), Title: strings.TrimSpace(title)}
		for _, line := range strings.Split(body, "\n") {
			if lv, ok := strings.CutPrefix(line, "Level: "); ok {
				b.Level = strings.TrimSpace(lv)
				break
			}
		}
		out = append(out, b)
	}
	return out
}

// uncased are the catalogue's behaviours that no case checks, and why.
// TestCatalogueCoverage keeps it exact: every other behaviour is cited by
// a case, and none of these is.
var uncased = map[string]string{
	"E8":  "unixpacket (SOCK_SEQPACKET): no built-in implementation runs on it",
	"E8c": "unixpacket (SOCK_SEQPACKET): no built-in implementation runs on it",
	"P1":  "net.Pipe's own design (informational); the pipe row shows it through CapBuffered's absence",
	"P1b": "net.Pipe's own design (informational); eof.read.short-buffer checks it on every stream",
	"P2":  "net.Pipe's own errors: the pipe row's known divergences on the closed.* cases state them",
	"P3":  "checked on the pipe row by the deadline.* cases, which apply to every stream",
	"P4":  "net.Pipe has no CloseWrite or CloseRead (informational): the pipe row's half-close cases are unsupported",
	"P5":  "net.Pipe's addresses (informational): conn.addr.non-nil checks what every stream must report",
	"P6":  "checked on the pipe row by closed.read.close-unblocks, which applies to every stream",
	"L11": "informational: MPTCP depends on the host's net.mptcp.enabled; the harness pins MPTCP off where it matters",
	"L12": "cannot be provoked: Linux completes a reset connection into the backlog (listener.accept.reset-before-accept), so accept(2) does not return ECONNABORTED on demand",
	"X7":  "needs a resolver the case controls: the implementation's own resolver would query the host's DNS",
	"S6":  "informational: a simultaneous close ends either way on Linux, so there is nothing to expect",
	"S9":  "Listen(\"tcp\", \":0\") is dual-stack only on the network \"tcp\", which no implementation is declared on",
	"S14": "informational: what the harness can observe, not a behaviour of a conn",
	"K10": "informational: the kernel's keepalive timer, which keepalive.default.enabled checks through the socket options",
	"U18": "informational: datagram write deadlines rarely matter; deadline.writeto.past checks a past one",
}

// Uncased returns the catalogue's behaviours that no case checks, with the
// reason for each.
func Uncased() map[string]string { return maps.Clone(uncased) }
