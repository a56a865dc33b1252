package driver

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A Validator checks messages against protocol.schema.json.
type Validator struct {
	once    sync.Once
	err     error
	mu      sync.Mutex
	c       *jsonschema.Compiler
	schemas map[string]*jsonschema.Schema
}

// schemaFor compiles the definition name (read_reply, request…) once.
func (v *Validator) schemaFor(name string) (*jsonschema.Schema, error) {
	v.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
		if err != nil {
			v.err = err
			return
		}
		v.c = jsonschema.NewCompiler()
		v.c.UseRegexpEngine(regexpEngine)
		v.err = v.c.AddResource("protocol.schema.json", doc)
		v.schemas = map[string]*jsonschema.Schema{}
	})
	if v.err != nil {
		return nil, v.err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.schemas[name]; ok {
		return s, nil
	}
	s, err := v.c.Compile("protocol.schema.json#/$defs/" + name)
	if err != nil {
		return nil, err
	}
	v.schemas[name] = s
	return s, nil
}

// Check validates one message line against the definition name.
func (v *Validator) Check(name string, line []byte) error {
	s, err := v.schemaFor(name)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return s.Validate(inst)
}

// CheckReply validates the reply line to a request of op; an op the
// protocol does not define has no reply schema of its own.
func (v *Validator) CheckReply(op string, line []byte) error {
	if !slices.Contains(Ops, op) {
		return v.Check("any_reply", line)
	}
	return v.Check(op+"_reply", line)
}

// base64Pattern is the schema's pattern of a data field (standard base64,
// padded). A data field carries up to megabytes, and Go's regexp matches
// it at tens of MB/s: a quarter of a driver test process's CPU went to
// it. base64Match decides the same language in one pass over the bytes.
const base64Pattern = `^[A-Za-z0-9+/]*={0,2}$`

type base64Match struct{}

func (base64Match) String() string { return base64Pattern }

func (base64Match) MatchString(s string) bool {
	body := len(s)
	for pad := 0; pad < 2 && body > 0 && s[body-1] == '='; pad++ {
		body--
	}
	for i := range body {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// regexpEngine is the validator's: Go's regexp, but base64Pattern by
// base64Match.
func regexpEngine(pattern string) (jsonschema.Regexp, error) {
	if pattern == base64Pattern {
		return base64Match{}, nil
	}
	return regexp.Compile(pattern)
}
