package program

import (
	"slices"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"python3 server.py --port {port}", []string{"python3", "server.py", "--port", "{port}"}},
		{`sh -c 'echo "a b"; exit 3'`, []string{"sh", "-c", `echo "a b"; exit 3`}},
		{`a\ b "" c`, []string{"a b", "", "c"}},
	} {
		got, err := ParseCommand(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseCommand(%q) = %q, %v, want %q, nil", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseCommand(`a 'b`); err == nil {
		t.Errorf("ParseCommand(%q) = nil error, want unterminated quote", `a 'b`)
	}
}

func TestParseConversation(t *testing.T) {
	c, err := ParseConversation(`send=Hello, server!\n;expect=^Hello, client!$;closes=server`)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Request()) != "Hello, server!\n" || !c.ServerCloses || c.Check([]byte("Hello, client!")) != "" || c.Check([]byte("Hello")) == "" {
		t.Errorf("ParseConversation = %v", c)
	}
	e, _ := ParseConversation("echo")
	if e.Check([]byte(DefaultRequest)) != "" || e.Check([]byte(DefaultRequest+"\x00")) == "" || e.ServerCloses {
		t.Errorf("echo conversation = %v", e)
	}
	if _, err := ParseConversation("sned=x"); err == nil {
		t.Error("ParseConversation(sned=x) = nil error, want an unknown field")
	}
}
