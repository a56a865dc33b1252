// Command list prints netconform's cases: ID, level, the capabilities each
// needs, and its spec sentence.
//
//	go run ./suite/list                  # a table
//	go run ./suite/list -area deadline   # one area
//	go run ./suite/list -format md       # a Markdown table
//	go run ./suite/list -format json     # for tools
//	go run ./suite/list -catalogue       # each catalogue behaviour and its cases
//	go run ./suite/list -program         # the program cases (suite.RunProgram)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/suite"
)

type row struct {
	ID        string       `json:"id"`
	Area      string       `json:"area"`
	Level     script.Level `json:"level"`
	Needs     []string     `json:"needs"`
	Catalogue string       `json:"catalogue,omitempty"`
	Isolated  bool         `json:"isolated,omitempty"`
	Spec      string       `json:"spec"`
}

func main() {
	area := flag.String("area", "", "only cases of this area")
	level := flag.String("level", "", "only cases of this level (contract, convention, informational)")
	format := flag.String("format", "text", "text, md or json")
	programs := flag.Bool("program", false, "list the program cases (suite.RunProgram) instead: TCP servers, UDP servers, then TCP clients")
	catalogue := flag.Bool("catalogue", false, "list the behaviour catalogue: each behaviour with the cases that check it, or why none does")
	flag.Parse()
	if *catalogue {
		listCatalogue(os.Stdout)
		return
	}
	var rows []row
	cases := suite.Cases()
	if *programs {
		cases = nil
		for _, k := range []program.Kind{program.TCPServer, program.UDPServer, program.TCPClient} {
			for _, c := range suite.ProgramCases(k) {
				cases = append(cases, *c)
			}
		}
	}
	for _, c := range cases {
		if (*area != "" && c.Area() != *area) || (*level != "" && string(c.Level) != *level) {
			continue
		}
		rows = append(rows, row{c.ID, c.Area(), c.Level, c.Needs.List(), c.Catalogue, c.Isolated || c.Wire, c.Spec})
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "list: no case matches")
		os.Exit(2)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rows)
	case "md":
		fmt.Println("| ID | Level | Needs | Catalogue | Spec |")
		fmt.Println("|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Printf("| `%s` | %s | %s | %s | %s |\n", r.ID, r.Level, strings.Join(r.Needs, ", "), r.Catalogue, strings.ReplaceAll(r.Spec, "|", `\|`))
		}
	case "text":
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tLEVEL\tNEEDS\tCATALOGUE\tSPEC")
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, strings.Join(r.Needs, ","), orDash(r.Catalogue), r.Spec)
		}
		w.Flush()
		fmt.Fprintf(os.Stderr, "%d cases\n", len(rows))
	default:
		fmt.Fprintf(os.Stderr, "list: unknown format %q\n", *format)
		os.Exit(2)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listCatalogue prints each catalogue behaviour with the cases citing it,
// or the reason no case does.
func listCatalogue(out io.Writer) {
	cited := map[string][]string{}
	for _, c := range suite.Cases() {
		for _, id := range strings.Fields(c.Catalogue) {
			cited[id] = append(cited[id], c.ID)
		}
	}
	uncased := suite.Uncased()
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "BEHAVIOUR\tLEVEL\tTITLE\tCASES")
	n := 0
	for _, b := range suite.Catalogue() {
		cases := strings.Join(cited[b.ID], " ")
		if cases == "" {
			cases = "none: " + uncased[b.ID]
		} else {
			n++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.ID, b.Level, b.Title, cases)
	}
	w.Flush()
	fmt.Fprintf(os.Stderr, "%d of %d behaviours have a case\n", n, len(suite.Catalogue()))
}
