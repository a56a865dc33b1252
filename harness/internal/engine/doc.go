// Package engine runs one attempt of one case: it holds the attempt's
// endpoints, makes the implementation's calls under watchdogs, keeps the
// transcript and the verdict, captures the wire, and tears everything down.
// It knows no operation: steps (package script) say what they do through
// the Attempt they are given, and the runner (package runner) decides how
// many attempts a case gets and what its result is.
package engine
