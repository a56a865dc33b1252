package main

import "fmt"

// exitReason is the line the command ends with on stderr when it exits
// non-zero, so that a log says why even where the status is lost (go run
// turns every non-zero status into 1; go tool reports keeps it).
func exitReason(code int) string {
	why := "a result fails (fail, timeout, unexpected-pass) or differs from -compare's report"
	if code == 2 {
		why = "something could not run: the error above, or the report's error rows"
	}
	return fmt.Sprintf("reports: exit status %d: %s", code, why)
}
