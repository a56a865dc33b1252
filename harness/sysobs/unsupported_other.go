//go:build !linux

package sysobs

import (
	"errors"
	"fmt"
	"runtime"
)

// errUnsupported returns an error naming fn that wraps errors.ErrUnsupported.
func errUnsupported(fn string) error {
	return fmt.Errorf("sysobs.%s on %s: %w", fn, runtime.GOOS, errors.ErrUnsupported)
}
