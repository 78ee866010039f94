//go:build unix

package safefile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sonar-preflight/internal/safefile/specialtest"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := specialtest.FIFO(t, dir, "fifo")
	big := specialtest.Sparse(t, dir, "big.pem", 100<<20)
	small := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(small, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
		words      string
	}{
		{"regular file", small, nil, ""},
		{"FIFO without a writer", fifo, ErrNotRegular, "named pipe"},
		{"link to a FIFO", link, ErrNotRegular, "named pipe"},
		{"/dev/zero", "/dev/zero", ErrNotRegular, "character device"},
		{"directory", dir, ErrNotRegular, "directory"},
		{"100 MB file", big, ErrTooLarge, "100.0 MiB"},
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			data, err := Read(ctx, tt.path, 10<<20)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			if tt.want == nil {
				if err != nil || len(data) == 0 {
					t.Fatalf("Read = %d bytes, %v", len(data), err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !contains(err.Error(), tt.words) || contains(err.Error(), tt.path) && tt.path != "/dev/zero" {
				t.Errorf("err = %q: want it to say %q, without the path", err, tt.words)
			}
		})
	}
	t.Run("deadline already passed", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Read(ctx, small, 10<<20); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Open streams what Read reads whole, with the same refusals, and a file
// that grows past the cap while it is read ends in ErrTooLarge.
func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := specialtest.FIFO(t, dir, "fifo")
	big := specialtest.Sparse(t, dir, "big.json", 100<<20)
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		want       error
		words      string
	}{
		{"FIFO without a writer", fifo, ErrNotRegular, "named pipe"},
		{"/dev/zero", "/dev/zero", ErrNotRegular, "character device"},
		{"directory", dir, ErrNotRegular, "directory"},
		{"100 MB file", big, ErrTooLarge, "100.0 MiB"},
		{"symbolic link loop", loop, syscall.ELOOP, "symbolic links"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Open(tt.path, 10<<20)
			if err == nil {
				f.Close()
			}
			if !errors.Is(err, tt.want) || !contains(err.Error(), tt.words) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.want, tt.words)
			}
		})
	}
	t.Run("grows past the cap", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "grows")
		if err := os.WriteFile(path, make([]byte, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Open(path, 1000)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("more"))
		w.Close()
		data, err := io.ReadAll(f)
		if !errors.Is(err, ErrTooLarge) || len(data) != 1000 {
			t.Errorf("read %d bytes, err %v", len(data), err)
		}
	})
	t.Run("exactly the cap", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "exact")
		if err := os.WriteFile(path, make([]byte, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Open(path, 1000)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if data, err := io.ReadAll(f); err != nil || len(data) != 1000 {
			t.Errorf("read %d bytes, err %v", len(data), err)
		}
	})
}
