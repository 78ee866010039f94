//go:build unix

// Package specialtest makes, for tests, the files a careless or hostile path
// may name instead of a small regular file: a FIFO (which blocks a plain
// open) and a sparse file of any size (which costs no disk). The code that
// must refuse them (package safefile and its callers) is tested with these.
package specialtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// FIFO creates a named pipe called name in dir and returns its path.
func FIFO(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Sparse creates a file called name in dir that is size bytes long without
// writing them, and returns its path.
func Sparse(t testing.TB, dir, name string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}
