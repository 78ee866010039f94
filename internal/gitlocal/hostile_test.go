//go:build unix

package gitlocal_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sonar-preflight/internal/gitlocal"
)

// A checkout's .git is not the program's: a fork's pull request runs its own
// build steps before the preflight, and they can leave anything there. Every
// file gitlocal reads is read only when it is a regular file within a size
// cap, so a FIFO, a device, a symbolic-link loop or a huge file ends in an
// error (or is ignored) at once, never in a hang, and names that are not
// Git's never come out as refs.
func TestHostileCheckout(t *testing.T) {
	t.Parallel()
	const id = "3f786850e387550fdab836ed7e6dc881de23001b"
	base := map[string]string{
		".git/HEAD":                     id + "\n",
		".git/config":                   "[core]\n\tbare = false\n",
		".git/refs/remotes/origin/main": id + "\n",
	}
	fifo := func(t *testing.T, p string) {
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target string) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			os.RemoveAll(p)
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	loop := func(t *testing.T, p string) { link(p)(t, p) }
	sparse := func(size int64) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.WriteString(id + " refs/remotes/origin/develop\n")
			if err := f.Truncate(size); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	write := func(s string) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	const payload = "x\x1b]0;t\x07\n##vso[task.setvariable variable=pwn]1"
	tests := []struct {
		name     string
		file     string // under the checkout
		make     func(t *testing.T, p string)
		openErr  bool   // Open must fail
		findErr  bool   // FindBranch("develop") must fail
		refsWant string // a ref Refs must list, when Open succeeds
	}{
		{name: ".git is a FIFO", file: ".git", make: func(t *testing.T, p string) { os.RemoveAll(p); fifo(t, p) }, openErr: true},
		{name: ".git is a link to /dev/zero", file: ".git", make: link("/dev/zero"), openErr: true},
		{name: ".git names /dev/zero", file: ".git", make: func(t *testing.T, p string) { os.RemoveAll(p); write("gitdir: /dev/zero\n")(t, p) }, openErr: true},
		{name: ".git is a symbolic-link loop", file: ".git", make: loop, openErr: true},
		{name: "HEAD is a FIFO", file: ".git/HEAD", make: fifo, openErr: true},
		{name: "HEAD is a link to /dev/zero", file: ".git/HEAD", make: link("/dev/zero"), openErr: true},
		{name: "HEAD is a symbolic-link loop", file: ".git/HEAD", make: loop, openErr: true},
		{name: "HEAD names a ref with a payload", file: ".git/HEAD", make: write("ref: refs/heads/" + payload + "\n"), openErr: true},
		{name: "commondir is a FIFO", file: ".git/commondir", make: fifo, openErr: true},
		{name: "config is a FIFO", file: ".git/config", make: fifo, refsWant: "refs/remotes/origin/main"},
		{name: "shallow is a FIFO", file: ".git/shallow", make: fifo, openErr: true},
		{name: "shallow is 1 GiB", file: ".git/shallow", make: sparse(1 << 30), openErr: true},
		{name: "packed-refs is a FIFO", file: ".git/packed-refs", make: fifo, findErr: true},
		{name: "packed-refs is /dev/zero", file: ".git/packed-refs", make: link("/dev/zero"), findErr: true},
		{name: "packed-refs is 1 GiB", file: ".git/packed-refs", make: sparse(1 << 30), findErr: true},
		{name: "a loose ref is a FIFO", file: ".git/refs/remotes/origin/develop", make: fifo, refsWant: "refs/remotes/origin/main"},
		{name: "a loose ref is a link to /dev/zero", file: ".git/refs/remotes/origin/develop", make: link("/dev/zero"), refsWant: "refs/remotes/origin/main"},
		{name: "refs is a symbolic-link loop", file: ".git/refs", make: loop, findErr: true},
		{name: "packed-refs lines with payloads", file: ".git/packed-refs",
			make:     write(id + " refs/remotes/origin/" + payload + "\n" + id + " refs/remotes/origin/ok\n" + id + " refs/remotes/origin/a\x1b[31mred\n"),
			refsWant: "refs/remotes/origin/ok"},
		{name: "a loose ref named with a payload", file: ".git/refs/remotes/origin/x\x1b]0;t\x07##vso[task.complete result=Succeeded]",
			make: write(id + "\n"), refsWant: "refs/remotes/origin/main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range base {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tt.make(t, filepath.Join(dir, tt.file))
			type result struct {
				openErr, findErr error
				refs             []string
			}
			done := make(chan result, 1)
			go func() {
				var r result
				co, err := gitlocal.OpenRoot(dir)
				if r.openErr = err; err == nil {
					_, _, r.findErr = co.FindBranch("develop")
					r.refs, _, _ = co.Refs("refs/remotes/", 50)
				}
				done <- r
			}()
			timer := time.NewTimer(20 * time.Second)
			defer timer.Stop()
			var r result
			select {
			case r = <-done:
			case <-timer.C:
				t.Fatal("gitlocal hangs")
			}
			if (r.openErr != nil) != tt.openErr {
				t.Fatalf("Open err = %v, want error %v", r.openErr, tt.openErr)
			}
			if tt.openErr {
				return
			}
			if (r.findErr != nil) != tt.findErr {
				t.Errorf("FindBranch err = %v, want error %v", r.findErr, tt.findErr)
			}
			for _, n := range r.refs {
				if !gitlocal.ValidRefName(n) || strings.ContainsAny(n, "\x1b\x07\n#") {
					t.Errorf("Refs lists %q, which is not a ref name", n)
				}
			}
			if tt.refsWant != "" && !contains(r.refs, tt.refsWant) {
				t.Errorf("Refs = %q, want %s among them", r.refs, tt.refsWant)
			}
		})
	}
}
