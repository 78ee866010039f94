// Package safefile reads files that environment variables name (CA bundles
// and the like): someone else chose the path, so it may be a FIFO that
// never ends, /dev/zero, a directory, or a file far too large. Only a
// regular file within a size cap is read, and never past the caller's
// deadline; anything else is an error that says what the path is.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped when the path is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped when the file is larger than the cap.
var ErrTooLarge = errors.New("too large")

// Read returns the contents of the regular file at path, at most max bytes.
// Opening does not block on a FIFO; the type and size are checked on the
// opened file (so a path swapped in between cannot slip through); reading
// stops when ctx ends.
func Read(ctx context.Context, path string, max int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := openRegular(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// A file that grows while it is read is still cut at max+1.
		data, err := io.ReadAll(io.LimitReader(f, max+1))
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, pathless(r.err)
		}
		if int64(len(r.data)) > max {
			return nil, fmt.Errorf("%w: it grew past the %s accepted while it was read", ErrTooLarge, size(max))
		}
		return r.data, nil
	case <-ctx.Done():
		f.Close() // ends the read on most file systems; the goroutine then returns
		return nil, fmt.Errorf("reading it did not finish before the deadline: %w", ctx.Err())
	}
}

// openRegular opens path without blocking on a FIFO and checks, on the
// opened file, that it is a regular file of at most max bytes.
func openRegular(path string, max int64) (*os.File, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, pathless(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, pathless(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("it is %s, %w", describeMode(fi.Mode()), ErrNotRegular)
	}
	if fi.Size() > max {
		f.Close()
		return nil, fmt.Errorf("%w: it holds %s, more than the %s accepted", ErrTooLarge, size(fi.Size()), size(max))
	}
	return f, nil
}

// File is a regular file opened by Open, read as a stream: it never yields
// more than the cap, and says so if the file grew past it.
type File struct {
	f    *os.File
	max  int64
	read int64
}

// Open opens the regular file at path for reading as a stream, with the
// checks of Read: not blocking on a FIFO, a regular file only, at most max
// bytes (also if it grows while it is read). It is for files read in flat
// memory (reports of any size) from a path a user, a variable or another
// job chose. Errors do not repeat the path: the caller names the file.
func Open(path string, max int64) (*File, error) {
	f, err := openRegular(path, max)
	if err != nil {
		return nil, err
	}
	return &File{f: f, max: max}, nil
}

// Read reads from the file, failing with ErrTooLarge past the cap.
func (f *File) Read(p []byte) (int, error) {
	if f.read >= f.max {
		// One byte more tells a file that ends at the cap from one that grew.
		var one [1]byte
		if n, _ := f.f.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%w: it grew past the %s accepted while it was read", ErrTooLarge, size(f.max))
		}
		return 0, io.EOF
	}
	if int64(len(p)) > f.max-f.read {
		p = p[:f.max-f.read]
	}
	n, err := f.f.Read(p)
	f.read += int64(n)
	if err != nil && err != io.EOF {
		err = pathless(err)
	}
	return n, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// pathless keeps an error's cause; the caller names the file.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
