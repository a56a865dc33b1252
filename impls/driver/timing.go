package driver

import (
	"sync"
	"time"

	"github.com/netconform/netconform/harness/runner"
)

// config is the run's configuration, read once.
var config = sync.OnceValue(func() runner.Config {
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		return runner.Config{Timescale: 1}
	}
	return cfg
})

// watchdog stretches one of the protocol's time limits as the runner
// stretches its watchdogs.
func watchdog(d time.Duration) time.Duration { return config().Watchdog(d) }
