package program

import (
	"context"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWaitListeningDialsWhatListens: a server whose only listener is an
// IPv6 wildcard socket that takes no IPv4 (IPV6_V6ONLY, as a server with a
// socket for each family has, its IPv4 one not listening yet) is dialled
// at ::1, which that socket serves; one that takes both at 127.0.0.1, as
// before.
func TestWaitListeningDialsWhatListens(t *testing.T) {
	py := pythonOnLinux(t)
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback")
	} else {
		ln.Close()
	}
	for v6only, want := range map[int]string{1: "::1", 0: "127.0.0.1"} {
		script := `import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, ` + string(rune('0'+v6only)) + `)
s.bind(("::", 0))
s.listen()
time.sleep(60)`
		r, err := Start(&Spec{Name: "v6", Kind: TCPServer, Argv: []string{py, "-S", "-c", script}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ap, err := r.WaitListening(ctx)
		cancel()
		if err != nil {
			r.Stop()
			t.Fatal(err)
		}
		if ap.Addr().String() != want {
			t.Errorf("IPV6_V6ONLY=%d: WaitListening = %v, want %s", v6only, ap, want)
		}
		if c, err := net.DialTimeout("tcp", ap.String(), 5*time.Second); err != nil {
			t.Errorf("IPV6_V6ONLY=%d: dial %v: %v", v6only, ap, err)
		} else {
			c.Close()
		}
		r.Stop()
	}
}

// TestWaitListeningFindsALateUDPServer: a datagram server that binds a
// while after it starts (an interpreter's start, then a sleep) is found
// bound once it is, at the port it bound. (What the cheap look before the
// full one says in a namespace with nothing in it is
// TestMayListenSeesWhatCouldListen's; this namespace is the host's.)
func TestWaitListeningFindsALateUDPServer(t *testing.T) {
	py := pythonOnLinux(t)
	script := `import socket, sys, time
time.sleep(0.3)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)`
	r, err := Start(&Spec{Name: "late-udp", Kind: UDPServer, Argv: []string{py, "-S", "-c", script}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ap, err := r.WaitListening(ctx)
	if err != nil {
		t.Fatal(err)
	}
	printed := "" // the port, once the program's output has reached its tail
	for deadline := time.Now().Add(5 * time.Second); printed == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if line, _, ok := strings.Cut(r.Output(), "\n"); ok {
			printed = line
		}
	}
	if strconv.Itoa(int(ap.Port())) != printed {
		t.Errorf("WaitListening = %v, want the port the program printed (%q)", ap, printed)
	}
}

// pythonOnLinux is the path of python3, for a test that runs a Python
// program and finds its sockets; it skips the test elsewhere than on
// Linux, or without python3.
func pythonOnLinux(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the program's sockets are found through /proc and sock_diag")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	return py
}
