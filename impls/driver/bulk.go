package driver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// bulkMin is the length from which a reply line's data string is decoded
// on its own (splitData).
const bulkMin = 64 << 10

// splitData takes a reply's (of min bytes or more) "data" string out of line: it returns
// the line with that string emptied and the bytes it encodes. Decoding a
// 4 MiB read as JSON scans its 5.6 MB of base64 three times (validation,
// RawMessage, the result's []byte), which costs seconds under the race
// detector; base64 alone is ten times cheaper. ok is false when the line
// is short or the string is anything but plain base64 (an escape, a bad
// byte): the line then goes through json as a whole, which says what is
// wrong with it.
func splitData(line []byte, min int) (rest, data []byte, ok bool) {
	const key = `"data":"`
	if len(line) < min {
		return nil, nil, false
	}
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return nil, nil, false
	}
	start := i + len(key)
	n := bytes.IndexByte(line[start:], '"')
	if n < 0 {
		return nil, nil, false
	}
	s := line[start : start+n]
	if bytes.ContainsAny(s, "\\\r\n") {
		return nil, nil, false // escapes, or bytes json would refuse and base64 skips
	}
	data = make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	m, err := base64.StdEncoding.Decode(data, s)
	if err != nil {
		return nil, nil, false
	}
	rest = make([]byte, 0, len(line)-n)
	rest = append(append(rest, line[:start]...), line[start+n:]...)
	return rest, data[:m], true
}

// parseBulk parses a reply line of min bytes or more through splitData: a Reply whose
// Result has an empty data string, with the bytes in r.data. ok is false
// when the line does not qualify or the rest does not parse as a reply.
func parseBulk(line []byte, min int) (*Reply, bool) {
	rest, data, ok := splitData(line, min)
	if !ok || !utf8.Valid(rest) || bytes.Count(rest, []byte(`"data"`)) != 1 {
		return nil, false
	}
	var r Reply
	if json.Unmarshal(rest, &r) != nil || r.check() != nil || r.Result == nil {
		return nil, false
	}
	var probe struct {
		Data *string `json:"data"`
	}
	if json.Unmarshal(r.Result, &probe) != nil || probe.Data == nil || *probe.Data != "" {
		return nil, false // the key was not the result's own data field
	}
	r.data = data
	return &r, true
}
