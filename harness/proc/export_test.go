package proc

import "github.com/netconform/netconform/harness/sysobs"

// OthersNearby is the look Alone makes first, without the walk of every
// process it falls back to.
func (p *Proc) OthersNearby() ([]sysobs.Process, error) { return p.others(p.nearby) }
