package script

import (
	"fmt"
	"strconv"
)

// quoteData renders bytes for messages, shortened when long.
func quoteData(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%q…(%s)", b[:16], sizeStr(len(b)))
	}
	return strconv.Quote(string(b))
}

// sizeStr renders a size: "64 KiB", "3 B".
func sizeStr(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
