package quic

import "github.com/netconform/netconform/harness"

// Divergences verified against quic-go v0.65.0's source (stream.go,
// send_stream.go) and its issue tracker.
const (
	issue3558  = "https://github.com/quic-go/quic-go/issues/3558"
	noConcur   = "Close must not be called concurrently with Write (documented on SendStream.Close): a Write blocked on flow control stays blocked"
	closedErr  = "Write after Close fails with quic-go's own \"stream closed\" error, not net.ErrClosed"
	idempotent = "Close is idempotent: a second Close returns nil"
	setAfter   = "SetDeadline stores the time without checking the stream's state, so it returns nil after Close"
	dataEOF    = "Read returns the last data together with io.EOF when the FIN is already there (io.Reader allows it; Go's conns return them apart)"
)

var common = []harness.Known{
	{Case: "closed.close.twice", Reason: idempotent},
	{Case: "closed.setdeadline.after-close", Reason: setAfter},
	{Case: "closed.write.after-close-is-errclosed", Reason: closedErr},
	{Case: "closed.write.close-unblocks", Reason: noConcur},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: noConcur},
	{Case: "eof.read.no-data-with-eof", Reason: dataEOF},
}

// known lists the cases quic-go streams are known to fail.
var known = common

// canceled: after CancelRead, Read fails with a *quic.StreamError.
const canceled = "after CancelRead, Read fails with a *quic.StreamError (\"stream 0 canceled by local with error code 0\"), not net.ErrClosed"

// knownCancelRead lists the cases of the CancelRead variant.
var knownCancelRead = append([]harness.Known{
	{Case: "closed.read.after-close-is-errclosed", Reason: canceled, Link: issue3558},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: canceled, Link: issue3558},
	{Case: "closed.read.zero-length-after-close", Reason: canceled, Link: issue3558},
}, common...)
