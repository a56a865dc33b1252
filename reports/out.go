package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// freshOut is the folder a report goes to when -out is not given: one
// that does not exist yet in the current folder (netconform-report, then
// netconform-report-2, …), so that a run never overwrites an earlier
// report — the committed reports/latest included, which is refreshed on
// purpose with -out reports/latest -stable.
func freshOut() (string, error) {
	for i := 1; i <= 999; i++ {
		name := "netconform-report"
		if i > 1 {
			name = fmt.Sprintf("%s-%d", name, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", errors.New("netconform-report … netconform-report-999 all exist here: name a folder with -out")
}
