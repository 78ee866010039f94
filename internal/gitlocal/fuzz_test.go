package gitlocal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpen feeds arbitrary HEAD, .git-file, packed-refs and loose-ref
// contents: Open and the look-ups may fail but must not panic, and every ref
// they report is a valid name holding an object id.
func FuzzOpen(f *testing.F) {
	const id = "3f786850e387550fdab836ed7e6dc881de23001b"
	f.Add("ref: refs/heads/main\n", "", "# pack-refs with: peeled\n"+id+" refs/remotes/origin/main\n", id, "main")
	f.Add(id, "gitdir: .git\n", "", "ref: refs/remotes/origin/main", "release/1.2")
	f.Add("ref: refs/heads/../../x", "", "\x00\xff", "ref: refs/heads/main", "../../etc")
	f.Fuzz(func(t *testing.T, head, gitFile, packed, loose, branch string) {
		dir := t.TempDir()
		gitDir := filepath.Join(dir, ".git")
		if gitFile != "" {
			// A .git file pointing at a git directory elsewhere in dir.
			gitDir = filepath.Join(dir, "real")
			if err := os.WriteFile(filepath.Join(dir, ".git"), []byte(gitFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for name, content := range map[string]string{
			"HEAD": head, "packed-refs": packed, "refs/remotes/origin/main": loose, "refs/heads/main": loose,
		} {
			p := filepath.Join(gitDir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		co, err := Open(dir)
		if err != nil {
			return
		}
		if co.Head.Commit != "" && !isObjectID(co.Head.Commit) {
			t.Fatalf("HEAD commit %q", co.Head.Commit)
		}
		if !ValidBranchName(branch) {
			return
		}
		r, found, err := co.FindBranch(branch)
		if err == nil && found && (!ValidRefName(r.Name) || !isObjectID(r.Commit)) {
			t.Fatalf("ref %+v", r)
		}
		names, _, _ := co.Refs("refs/", 20)
		for _, n := range names {
			if !strings.HasPrefix(n, "refs/") {
				t.Fatalf("listed %q", n)
			}
		}
	})
}
