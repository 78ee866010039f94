//go:build !unix

package safefile

import "os"

// openNonBlocking is os.Open where FIFOs do not block an open (Windows has
// no named pipes in the file system namespace that would).
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
