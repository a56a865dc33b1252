// Package result is the data a conformance run produces: one Result per
// case, implementation and role, with its findings, transcript and wire
// trace; the outcomes and levels that classify them; and the events that
// carry results from a test process to the report command. It imports no
// engine: the report reads results through this package alone.
package result
