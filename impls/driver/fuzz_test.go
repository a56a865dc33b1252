package driver

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/netconform/netconform/harness/errclass"
)

// FuzzParseReply feeds any line to the decoding of a driver's replies:
// the reply itself, then what the client makes of it — an error's meaning
// and class, a result's fields and addresses, a hello's declaration. It
// never panics; a line it accepts is UTF-8 and has exactly one of result,
// error and unsupported.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"result":{"h":3,"local":"127.0.0.1:1","remote":"127.0.0.1:2","fd":4}}`,
		`{"id":2,"error":{"kind":"eof","text":"EOF"}}`,
		`{"id":3,"error":{"kind":"reset","errno":"EPIPE","text":"inconsistent"}}`,
		`{"id":4,"unsupported":"nope"}`,
		`{"id":5,"result":{},"unsupported":"both"}`,
		"{\"id\":6,\"error\":{\"kind\":\"eof\",\"text\":\"EOF \xff\xfe\"}}",
		`{"id":1,"result":{"protocol":1,"name":"x","caps":["stream","listener"],"known":[{"case":"a.b.c","link":"javascript:document.title='PWNED'"}]}}`,
		`{"id":7,"result":{"data":"aGk=","from":"[::1]:9"}}`,
		`{"id":8,"result":{"data":"aGk=","data":""}}`,
		`{"id":9,"result":{"data":"aG\u0073="}}`,
		`{"id":10,"result":{"x":{"data":"aGk="}}}`,
		`this is not JSON`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		sameAsWhole(t, line)
		r, err := parseReply(line)
		if err != nil {
			return
		}
		if !utf8.Valid(line) {
			t.Fatalf("accepted a line that is not UTF-8: %q", line)
		}
		n := 0
		for _, set := range []bool{r.Result != nil, r.Error != nil, r.Unsupported != nil} {
			if set {
				n++
			}
		}
		if n != 1 && !(n == 2 && r.Unsupported == nil) {
			t.Fatalf("accepted a reply with %d of result, error, unsupported: %q", n, line)
		}
		if r.Error != nil {
			CheckError(r.Error)
			for _, op := range []string{"read", "write", "dial", "close"} {
				if m, perr := meaning(r.Error, op, "tcp4", "127.0.0.1:1"); perr == nil {
					errclass.Describe(m)
				}
			}
		}
		if r.Result != nil {
			var res Result
			if json.Unmarshal(r.Result, &res) == nil {
				for _, network := range []string{"tcp4", "tcp6", "udp4", "unix"} {
					parseAddr(network, res.Local)
					parseAddr(network, res.From)
				}
			}
			var h Hello
			if json.Unmarshal(r.Result, &h) == nil {
				(&Driver{Hello: h}).Impl()
			}
		}
	})
}

// sameAsWhole checks the fast path for bulk data (parseBulk, here from the
// first byte) against json: a line it accepts parses whole to the same
// reply and the same data.
func sameAsWhole(t *testing.T, line []byte) {
	fast, ok := parseBulk(line, 0)
	if !ok {
		return
	}
	whole, err := parseWhole(line)
	if err != nil {
		t.Fatalf("parseBulk accepted %q, which json refuses: %v", line, err)
	}
	var res Result
	if err := json.Unmarshal(whole.Result, &res); err != nil {
		t.Fatalf("parseBulk accepted %q, whose result does not decode: %v", line, err)
	}
	if fast.ID != whole.ID || (fast.Error == nil) != (whole.Error == nil) || !bytes.Equal(fast.data, res.Data) {
		t.Fatalf("parseBulk(%q) = id %d, data %q; json: id %d, data %q", line, fast.ID, fast.data, whole.ID, res.Data)
	}
}
