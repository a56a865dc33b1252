// Package script is netconform's case language: a Case is data — a stable
// ID, a one-sentence spec naming its source, a level, what it needs, a
// starting topology and a script of steps — and each family of steps (I/O,
// deadlines, close and half-close, conn methods, dial and listen,
// datagrams, kernel observation, links, the wire, background calls, Func)
// is one type in a file of its own that owns how its steps are described,
// what they do, their time budget and how they are judged.
//
// Case files import this package only:
//
//	{
//		ID:     "closed.read.after-close",
//		Spec:   "net.Conn.Close: … a Read afterwards returns an error",
//		Level:  h.Contract,
//		Needs:  h.CapStream,
//		Setup:  h.SetupConn,
//		Script: h.Script(h.Close(h.IUT), h.Read(h.IUT, 8).Err(h.Closed).AnyErr()),
//	}
//
// Steps run on an attempt of the engine (harness/internal/engine); the
// runner (harness/runner) decides attempts and outcomes.
package script
