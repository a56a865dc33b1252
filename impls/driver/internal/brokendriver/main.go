// Command brokendriver runs a real driver behind a proxy that breaks the
// protocol on command, to test what netconform does with a misbehaving
// driver (the way Bowtie tests its harness with fake implementations):
//
//	brokendriver -mode=crash -on=read -armed=/tmp/f -- godriver
//
// It forwards requests and replies unchanged until it sees a request whose
// op is -on while the file -armed exists (always, without -armed); it then
// removes the file (so the next process behaves) and misbehaves:
//
//	crash     panic: exit status 2, a stack trace on stderr
//	exit      exit 0 without answering
//	hang      never answer again, and start a grandchild that sleeps
//	garbage   answer with a line that is not JSON
//	wrongid   answer with another id
//	flood     write 80 MiB without a newline
//	badshape  answer with both a result and unsupported
//	badkind   answer with kind reset and errno EPIPE
//	badutf8   answer with an error text that is not UTF-8
//	daemon    start "sleep -daemon" in a session of its own, holding the
//	          proxy's stdout and stderr, and go on forwarding
//
// -pids names a file where it writes its own pid (its process group).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

func main() {
	mode := flag.String("mode", "", "how to break")
	on := flag.String("on", "read", "the op that triggers it")
	armed := flag.String("armed", "", "misbehave only while this file exists, and remove it")
	pids := flag.String("pids", "", "write this process's pid here")
	daemon := flag.String("daemon", "300", "the argument of the daemon's sleep")
	flag.Parse()
	if *pids != "" {
		os.WriteFile(*pids, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o600)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stderr = os.Stderr
	childIn, _ := cmd.StdinPipe()
	childOut, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "brokendriver:", err)
		os.Exit(1)
	}
	p := &proxy{mode: *mode, daemon: *daemon, out: bufio.NewWriter(os.Stdout)}
	go p.replies(childOut)
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var req struct {
				ID int64
				Op string
			}
			json.Unmarshal(line, &req)
			if req.Op == *on && trigger(*armed) {
				p.fire(req.ID)
			}
			if !p.swallowing() {
				childIn.Write(line)
			}
		}
		if err != nil {
			childIn.Close()
			cmd.Wait()
			return
		}
	}
}

// trigger reports whether the proxy is armed, disarming it.
func trigger(armed string) bool {
	if armed == "" {
		return true
	}
	return os.Remove(armed) == nil
}

type proxy struct {
	mode   string
	daemon string

	mu      sync.Mutex
	out     *bufio.Writer
	target  int64 // the id whose reply is broken
	hanging bool
}

// fire acts on the triggering request with the given id.
func (p *proxy) fire(id int64) {
	fmt.Fprintf(os.Stderr, "brokendriver: breaking (%s) on request %d\n", p.mode, id)
	switch p.mode {
	case "crash":
		panic(fmt.Sprintf("brokendriver: crash on request %d", id))
	case "exit":
		os.Exit(0)
	case "hang":
		exec.Command("sleep", "300").Start() // a grandchild in the same process group
		p.mu.Lock()
		p.hanging = true
		p.mu.Unlock()
	case "daemon":
		d := exec.Command("sleep", p.daemon)
		d.Stdout, d.Stderr = os.Stdout, os.Stderr
		d.SysProcAttr = sessionAttr()
		if err := d.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "brokendriver:", err)
		}
	case "flood":
		p.mu.Lock()
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 80 {
			p.out.Write(chunk)
		}
		p.out.Flush()
		p.mu.Unlock()
		time.Sleep(time.Hour)
	default:
		p.mu.Lock()
		p.target = id
		p.mu.Unlock()
	}
}

func (p *proxy) swallowing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hanging
}

// replies forwards the real driver's replies, breaking the target's.
func (p *proxy) replies(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var rep struct{ ID int64 }
		json.Unmarshal(line, &rep)
		p.mu.Lock()
		if p.hanging {
			p.mu.Unlock()
			continue
		}
		if rep.ID == p.target && p.target != 0 {
			switch p.mode {
			case "garbage":
				line = []byte("this is not JSON")
			case "wrongid":
				line = fmt.Appendf(nil, `{"id":%d,"result":{}}`, rep.ID+1000)
			case "badshape":
				line = fmt.Appendf(nil, `{"id":%d,"result":{},"unsupported":"both"}`, rep.ID)
			case "badutf8":
				line = fmt.Appendf(nil, "{\"id\":%d,\"error\":{\"kind\":\"eof\",\"text\":\"EOF \xff\xfe\"}}", rep.ID)
			case "badkind":
				line = fmt.Appendf(nil, `{"id":%d,"error":{"kind":"reset","errno":"EPIPE","text":"inconsistent"}}`, rep.ID)
			}
		}
		p.out.Write(line)
		p.out.WriteByte('\n')
		p.out.Flush()
		p.mu.Unlock()
	}
}
