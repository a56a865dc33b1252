package main

import (
	"errors"
	"os"
)

// setupDriver points the run at impls/driver's TestDriverCommand with the
// -driver command line in its environment: every case on a driver in any
// language, with no Go code of its author's.
func setupDriver(o *options) error {
	if o.driver == "" {
		return nil
	}
	if len(o.pkgs) > 0 {
		return usageError{errors.New("-driver cannot be combined with -pkg or a program flag")}
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	return useTestPackage(o, "impls/driver", "^TestDriverCommand$", map[string]string{"NETCONFORM_DRIVER_CMD": o.driver, "NETCONFORM_DRIVER_DIR": wd})
}
