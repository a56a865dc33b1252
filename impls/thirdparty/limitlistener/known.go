package limitlistener

import "github.com/netconform/netconform/harness"

// known lists the cases this implementation is known to fail.
var known = []harness.Known{}
