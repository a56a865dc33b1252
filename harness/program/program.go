// Package program runs a server or client program exactly as it is — any
// command line — for the suite's black-box program cases: it starts the
// command as the root of a process tree (harness/proc) in the network
// namespace of the calling process, which the runner makes the case's
// own (the program cases are isolated), substitutes the {addr} and
// {port} placeholders and sets PORT, waits until the program listens by
// watching its sockets in the kernel's tables (never by sleeping), reads
// the states and options of its sockets, and at the end of the case
// kills the program and everything it started, checks that nothing is
// left, and keeps a bounded tail of its output and its exit status as
// evidence.
package program

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/sysobs"
)

// Kind is what a program is: the cases that apply follow from it.
type Kind string

// The kinds.
const (
	TCPServer Kind = "tcp-server"
	UDPServer Kind = "udp-server"
	TCPClient Kind = "tcp-client"
)

// DefaultPort is the port substituted for {port} and set in PORT when the
// spec names none. Inside the case's own namespace any port is free.
const DefaultPort = 8080

// outputTail bounds the stdout and stderr kept as evidence.
const outputTail = 8 << 10

// A Spec says which program to run and how to talk to it.
type Spec struct {
	// Name is the implementation's name in the report ("seed-tcpserver").
	Name string
	Kind Kind
	// Argv is the command line; "{port}" and "{addr}" in any argument
	// are replaced by the port and by 127.0.0.1:port.
	Argv []string
	// Env is added to the program's environment (PORT is set too).
	Env []string
	// Dir is the program's working directory (default: the caller's).
	Dir string
	// Port is substituted for {port} and set in PORT (default 8080).
	// A server that ignores it (a hard-wired ":8080") is found on the
	// port it listens on.
	Port int
	// Conv is the conversation; the zero value is an echo.
	Conv Conversation
	// Known divergences of this program, as for any implementation.
	Known []harness.Known
}

// A Conversation is what one client exchanges with the program: the
// request it sends and the reply it expects, and who closes after the
// reply.
type Conversation struct {
	// Send is the request (a datagram for UDP). Empty: "hello netconform\n".
	Send []byte
	// Expect matches the whole reply; nil means the reply echoes Send.
	Expect *regexp.Regexp
	// ServerCloses says the server closes the connection after its reply
	// ("reply then close"); otherwise the client closes first (echo).
	ServerCloses bool
}

// DefaultRequest is the request of a conversation that names none.
const DefaultRequest = "hello netconform\n"

// Request is the request bytes, with the default.
func (c Conversation) Request() []byte {
	if len(c.Send) == 0 {
		return []byte(DefaultRequest)
	}
	return c.Send
}

// Complete reports whether reply is a whole reply: it matches Expect, or
// for an echo it is at least as long as the request.
func (c Conversation) Complete(reply []byte) bool {
	if c.Expect == nil {
		return len(reply) >= len(c.Request())
	}
	return c.Expect.Match(reply)
}

// Check says how reply differs from the expected reply, or "".
func (c Conversation) Check(reply []byte) string {
	switch {
	case c.Expect == nil && string(reply) != string(c.Request()):
		return fmt.Sprintf("the echo %s", quote(c.Request()))
	case c.Expect != nil && !c.Expect.Match(reply):
		return fmt.Sprintf("a reply matching /%s/", c.Expect)
	}
	return ""
}

// Want describes the expected reply.
func (c Conversation) Want() string {
	if c.Expect == nil {
		return "the echo " + quote(c.Request())
	}
	return fmt.Sprintf("a reply matching /%s/", c.Expect)
}

func (c Conversation) String() string {
	s := "send=" + strconv.Quote(string(c.Request()))
	if c.Expect != nil {
		s += ";expect=" + c.Expect.String()
	} else {
		s += ";expect=echo"
	}
	if c.ServerCloses {
		s += ";closes=server"
	} else {
		s += ";closes=client"
	}
	return s
}

// quote shows bytes as a Go string, cut after 64 bytes.
func quote(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + fmt.Sprintf("…(%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// Quote shows bytes as evidence does: a Go string, cut after 64 bytes.
func Quote(b []byte) string { return quote(b) }

// ParseConversation reads the conversation flag: a preset ("echo", the
// default; "hello": send "Hello, server!", any reply, then the server
// closes; "line": a line, any line back) or ';'-separated fields
// send=TEXT, expect=REGEXP (or expect=echo) and closes=server|client,
// TEXT in Go string escapes ("hi\n").
func ParseConversation(s string) (Conversation, error) {
	switch strings.TrimSpace(s) {
	case "", "echo":
		return Conversation{}, nil
	case "hello":
		return Conversation{Send: []byte("Hello, server!"), Expect: regexp.MustCompile(`(?s)^.+$`), ServerCloses: true}, nil
	case "line":
		return Conversation{Send: []byte(DefaultRequest), Expect: regexp.MustCompile(`(?s)^[^\n]*\n$`)}, nil
	}
	var c Conversation
	for _, field := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return c, fmt.Errorf("conversation field %q: want key=value (send, expect, closes)", field)
		}
		switch k {
		case "send":
			u, err := strconv.Unquote(`"` + strings.ReplaceAll(v, `"`, `\"`) + `"`)
			if err != nil {
				return c, fmt.Errorf("conversation send=%s: %w", v, err)
			}
			c.Send = []byte(u)
		case "expect":
			if v == "echo" {
				c.Expect = nil
				continue
			}
			re, err := regexp.Compile(v)
			if err != nil {
				return c, fmt.Errorf("conversation expect=%s: %w", v, err)
			}
			c.Expect = re
		case "closes":
			switch v {
			case "server":
				c.ServerCloses = true
			case "client":
				c.ServerCloses = false
			default:
				return c, fmt.Errorf("conversation closes=%s: want server or client", v)
			}
		default:
			return c, fmt.Errorf("conversation field %q: want send, expect or closes", k)
		}
	}
	return c, nil
}

// ParseCommand splits a command line as a shell would for simple words:
// spaces separate arguments, single and double quotes group them, a
// backslash escapes the next character. Nothing is expanded.
func ParseCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quoted, esc := byte(0), false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case esc:
			cur.WriteByte(ch)
			esc = false
		case ch == '\\' && in != '\'':
			esc = true
		case in != 0 && ch == in:
			in = 0
		case in != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			in, quoted = ch, true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if cur.Len() > 0 || quoted {
				out = append(out, cur.String())
				cur.Reset()
				quoted = false
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if in != 0 || esc {
		return nil, fmt.Errorf("command %q: unterminated quote or escape", s)
	}
	if cur.Len() > 0 || quoted {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, errors.New("empty command")
	}
	return out, nil
}

// port is the spec's port with its default.
func (s *Spec) port() int {
	if s.Port == 0 {
		return DefaultPort
	}
	return s.Port
}

// command builds the command with the placeholders replaced.
func (s *Spec) command() *exec.Cmd {
	p := strconv.Itoa(s.port())
	args := make([]string, len(s.Argv))
	for i, a := range s.Argv {
		a = strings.ReplaceAll(a, "{addr}", "127.0.0.1:"+p)
		args[i] = strings.ReplaceAll(a, "{port}", p)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = append(cmd.Environ(), append(slices.Clone(s.Env), "PORT="+p)...)
	return cmd
}

// A Running program: the root of a process tree in this namespace.
type Running struct {
	Spec  *Spec
	p     *proc.Proc
	out   *proc.Tail
	began time.Time

	mu      sync.Mutex
	stopped bool
	left    []proc.Process // found alive at Stop besides the root
	after   []proc.Process // still alive after Stop: escaped
	log     []string       // socket observations, for evidence
	dropped int            // observations past the log's bound
	quit    chan struct{}  // ends the sampler
	sampled chan struct{}  // closed when the sampler has ended
}

// sampleEvery is how often the program's sockets are sampled for the
// evidence (changes only).
const sampleEvery = 50 * time.Millisecond

// sample records the program's sockets whenever they change, until Stop:
// the program's socket states over time, for the evidence.
func (r *Running) sample() {
	defer close(r.sampled)
	last := ""
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		if ss, err := r.Sockets(); err == nil {
			var d []string
			for _, s := range ss {
				d = append(d, s.String())
			}
			if now := strings.Join(d, "; "); now != last {
				r.Note("sockets: %s", orNone(now))
				last = now
			}
		}
		select {
		case <-r.quit:
			return
		case <-r.p.Exited():
			r.Note("exited: %s", r.Status())
			return
		case <-t.C:
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Start starts the program. It does not wait for it to listen (see
// WaitListening).
func Start(spec *Spec) (*Running, error) {
	if len(spec.Argv) == 0 {
		return nil, errors.New("program: empty command")
	}
	cmd := spec.command()
	out := proc.NewTail(outputTail)
	cmd.Stdout, cmd.Stderr = out, out
	p, err := proc.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", strings.Join(spec.Argv, " "), err)
	}
	r := &Running{Spec: spec, p: p, out: out, began: time.Now(), quit: make(chan struct{}), sampled: make(chan struct{})}
	go r.sample()
	return r, nil
}

// Pid is the root process's id.
func (r *Running) Pid() int { return r.p.Pid() }

// Exited reports whether the root process has ended, and how.
func (r *Running) Exited() (bool, error) {
	select {
	case <-r.p.Exited():
		return true, r.p.Wait()
	default:
		return false, nil
	}
}

// Done is closed when the root process has ended.
func (r *Running) Done() <-chan struct{} { return r.p.Exited() }

// Status describes the root's state: "running", "exit status 1", "signal: killed".
func (r *Running) Status() string {
	done, err := r.Exited()
	switch {
	case !done:
		return "running"
	case err == nil:
		return "exit status 0"
	}
	return err.Error()
}

// Output is the tail of what the program wrote to stdout and stderr.
func (r *Running) Output() string { return r.out.String() }

// pids lists the tree's live processes, the root first.
func (r *Running) pids() []int {
	alive, _ := r.p.Members()
	var members []int
	for _, m := range alive {
		members = append(members, m.PID)
	}
	return r.withRoot(members)
}

// pidsQuick is pids from the quick walk of the tree, for the socket
// observations made every few milliseconds (proc.Proc.MemberPIDs).
func (r *Running) pidsQuick() []int { return r.withRoot(r.p.MemberPIDs()) }

// withRoot puts the root first, unless it has exited.
func (r *Running) withRoot(members []int) []int {
	out := []int{}
	if done, _ := r.Exited(); !done {
		out = append(out, r.Pid())
	}
	return append(out, members...)
}

// A Socket is a socket the program holds: which process, which fd, and
// what the kernel says of it.
type Socket struct {
	PID, FD int
	sysobs.SockEntry
}

// Serving reports whether a process of the program that is not ending
// (sysobs.Ending: in exit, a zombie, gone) holds a TCP socket listening on
// addr's port, at addr's address or the unspecified one: the program
// still serves there. It does not look at the root: a wrapper (go run, a
// shell) outlives the server it started, a daemon's root is gone, and an
// exiting process's descriptors close before it can be reaped, so the
// root's exit status says late or never whether the server is gone.
func (r *Running) Serving(addr netip.AddrPort) (bool, error) {
	live := slices.DeleteFunc(r.pidsQuick(), sysobs.Ending)
	ss, err := socketsOf(live)
	if err != nil {
		return false, err
	}
	for _, e := range ss {
		if e.Proto == "tcp" && e.State == sysobs.Listen && e.Local.Port() == addr.Port() &&
			(e.Local.Addr().Unmap() == addr.Addr().Unmap() || e.Local.Addr().IsUnspecified()) {
			return true, nil
		}
	}
	return false, nil
}

// Sockets lists the TCP and UDP sockets the program's processes hold open.
func (r *Running) Sockets() ([]Socket, error) { return socketsOf(r.pidsQuick()) }

// socketsOf lists the TCP and UDP sockets processes pids hold open.
func socketsOf(pids []int) ([]Socket, error) {
	held := map[uint64]Socket{} // by inode: the first process found holding it
	inodes := map[uint64]bool{}
	for _, pid := range pids {
		fds, err := sysobs.SocketFDs(pid)
		if err != nil {
			continue // gone meanwhile
		}
		for inode, fd := range fds {
			if !inodes[inode] {
				inodes[inode] = true
				held[inode] = Socket{PID: pid, FD: fd}
			}
		}
	}
	found, err := sysobs.SocketsOf(inodes)
	if err != nil {
		return nil, err
	}
	var out []Socket
	for inode, e := range found {
		s := held[inode]
		s.SockEntry = e
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Socket) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// Holds reports whether one of the program's processes still has the
// socket s open. A socket reset by its peer leaves the kernel's tables at
// once (Sockets no longer lists it) while the program's descriptor stays
// open until the program closes it: this looks at the descriptors.
func (r *Running) Holds(s Socket) bool {
	for _, pid := range r.pids() {
		if fds, err := sysobs.SocketFDs(pid); err == nil {
			if _, ok := fds[s.Inode]; ok {
				return true
			}
		}
	}
	return false
}

// Note records an observation of the program's sockets for the evidence.
func (r *Running) Note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.log) >= 64 {
		r.dropped++
		return
	}
	r.log = append(r.log, fmt.Sprintf("+%v ", time.Since(r.began).Round(time.Millisecond))+fmt.Sprintf(format, args...))
}

// NoteSockets records the program's sockets now, with a label.
func (r *Running) NoteSockets(label string) []Socket {
	ss, err := r.Sockets()
	if err != nil {
		r.Note("%s: sockets unreadable: %v", label, err)
		return nil
	}
	var d []string
	for _, s := range ss {
		d = append(d, s.String())
	}
	r.Note("%s: %d sockets: %s", label, len(ss), strings.Join(d, "; "))
	return ss
}

// pollEvery is how often the kernel's tables are read while waiting on
// the program's sockets.
const pollEvery = 5 * time.Millisecond

// Poll reads the program's sockets until ok accepts them, the program
// ends, or ctx ends; it returns the last listing.
func (r *Running) Poll(ctx context.Context, ok func([]Socket) bool) ([]Socket, error) {
	return r.poll(ctx, nil, ok)
}

// poll is Poll that reads the program's sockets only when maybe, if not
// nil, says they may be there: a cheaper look that lets the poll skip the
// walk of the program's processes and descriptors while it cannot
// succeed. The listing it returns is the last it read: nil when maybe
// never said yes, older than the last look when it last said no.
func (r *Running) poll(ctx context.Context, maybe func() bool, ok func([]Socket) bool) ([]Socket, error) {
	var ss []Socket
	for {
		if maybe == nil || maybe() {
			var err error
			if ss, err = r.Sockets(); err != nil {
				return nil, err
			}
			if ok(ss) {
				return ss, nil
			}
		}
		if done, _ := r.Exited(); done {
			return ss, fmt.Errorf("the program ended (%s)", r.Status())
		}
		select {
		case <-ctx.Done():
			return ss, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// Freeze stops the program's processes (SIGSTOP) and waits until none of
// their threads can run; thaw resumes them (SIGCONT; it may be called more
// than once). What reaches the program's sockets while it is frozen is all
// there when it runs again: a case orders what the program sees where the
// program would otherwise race the peer (a reset that is to reach it
// before it replies to the request it follows). A process the program
// forked while it was being stopped is stopped too: the tree is listed
// again once every process listed has stopped, until none is new.
func (r *Running) Freeze(ctx context.Context) (thaw func(), err error) {
	var pids []int
	var once sync.Once
	thaw = func() {
		once.Do(func() {
			for _, pid := range pids {
				sysobs.Thaw(pid)
			}
			r.Note("thawed")
		})
	}
	stopped := map[int]bool{}
	for fresh := true; fresh; {
		fresh = false
		for _, pid := range r.pids() {
			if stopped[pid] {
				continue
			}
			fresh, stopped[pid] = true, true
			pids = append(pids, pid)
			if err := sysobs.Freeze(pid); err != nil && sysobs.Alive(pid) {
				thaw()
				return nil, fmt.Errorf("freezing %s (pid %d): %w", r.Spec.Name, pid, err)
			}
		}
		for _, pid := range pids {
			for !sysobs.Frozen(pid) {
				select {
				case <-ctx.Done():
					thaw()
					return nil, fmt.Errorf("freezing %s: pid %d still running: %w", r.Spec.Name, pid, ctx.Err())
				case <-time.After(pollEvery / 5):
				}
			}
		}
	}
	r.Note("frozen (SIGSTOP): %d processes", len(pids))
	return thaw, nil
}

// WaitListening waits until the program listens — a TCP socket in LISTEN,
// or for UDP a bound socket — and returns the address to reach it at:
// the loopback address of its family when it listens on all addresses.
func (r *Running) WaitListening(ctx context.Context) (netip.AddrPort, error) {
	var found netip.AddrPort
	_, err := r.poll(ctx, r.mayListen, func(ss []Socket) bool {
		for _, s := range ss {
			udp := s.ServesDatagrams()
			tcp := s.Proto == "tcp" && s.State == sysobs.Listen
			if r.Spec.Kind == UDPServer && udp || r.Spec.Kind != UDPServer && tcp {
				found = reachable(s)
				return true
			}
		}
		return false
	})
	if err != nil {
		return found, fmt.Errorf("waiting for %s to listen: %w", r.Spec.Name, err)
	}
	r.Note("listening on %v", found)
	return found, nil
}

// mayListen reports whether this network namespace holds a socket the
// program could be listening on: a TCP socket that listens (a TCP server,
// a client's peer), a bound and unconnected UDP socket (a UDP server).
// It is one look at the kernel's tables (NETLINK_SOCK_DIAG, ~0.1 ms in
// an isolated case's namespace), where Sockets also walks the program's
// processes and their descriptors: while a program starts (an
// interpreter takes 0.1 s and more), WaitListening looks every 5 ms. What
// cannot be read says yes: Sockets decides then.
func (r *Running) mayListen() bool {
	var es []sysobs.SockEntry
	var err error
	if r.Spec.Kind == UDPServer {
		es, err = sysobs.ListeningUDP()
	} else {
		es, err = sysobs.ListeningTCP()
	}
	return err != nil || len(es) > 0
}

// reachable is the address to dial to reach the listening socket s: its
// own, or for a wildcard the loopback address s serves — 127.0.0.1,
// unless s is an IPv6 socket that takes no IPv4 (IPV6_V6ONLY), which ::1
// reaches. A server that listens on each family with a socket of its own
// (Python's asyncio does) may have the IPv6 one listening before the
// IPv4 one: 127.0.0.1 would be refused for a moment.
func reachable(s Socket) netip.AddrPort {
	ap := s.Local
	if !ap.Addr().IsUnspecified() {
		return ap
	}
	if ap.Addr().Is6() {
		if o, err := sysobs.ForeignOpts(s.PID, s.FD, sysobs.OptV6Only); err == nil && o[sysobs.OptV6Only] == 1 {
			return netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port())
		}
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ap.Port())
}

// Stop kills the program's whole tree, then checks that nothing of it is
// left; it returns the processes that escaped the kill (none, normally).
// It is idempotent.
func (r *Running) Stop() []proc.Process {
	r.mu.Lock()
	if r.stopped {
		defer r.mu.Unlock()
		return r.after
	}
	r.stopped = true
	r.mu.Unlock()
	close(r.quit)
	<-r.sampled
	left := r.p.Kill()
	after, _ := r.p.Members()
	if done, _ := r.Exited(); !done {
		after = append(after, proc.Process{PID: r.Pid(), Cmd: strings.Join(r.Spec.Argv, " ")})
	}
	r.mu.Lock()
	r.left, r.after = left, after
	r.mu.Unlock()
	return after
}

// Evidence is what the case keeps of the program: its command, how it
// ended, its socket observations, and its output's tail.
func (r *Running) Evidence() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "program %s (pid %d): %s after %v\n", strings.Join(r.Spec.Argv, " "), r.Pid(), r.Status(), time.Since(r.began).Round(time.Millisecond))
	if len(r.left) > 0 {
		fmt.Fprintf(&b, "killed with it: %s\n", proc.Join(r.left))
	}
	if len(r.after) > 0 {
		fmt.Fprintf(&b, "STILL ALIVE after the kill: %s\n", proc.Join(r.after))
	}
	for _, l := range r.log {
		b.WriteString("  " + l + "\n")
	}
	if r.dropped > 0 {
		fmt.Fprintf(&b, "  [%d later observations not kept]\n", r.dropped)
	}
	fmt.Fprintf(&b, "output tail:\n%s", r.out.String())
	return b.String()
}
