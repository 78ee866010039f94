//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without blocking on a FIFO that
// has no writer; reads from a regular file are unaffected.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
