package gitlocal_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sonar-preflight/internal/gitlocal"
	"sonar-preflight/internal/gitlocal/gittest"
)

// TestOpenRealCheckouts reads checkouts that git itself made, the way the
// Azure Pipelines agent makes them.
func TestOpenRealCheckouts(t *testing.T) {
	t.Parallel()
	up := gittest.NewUpstream(t)
	tests := []struct {
		name        string
		opts        gittest.Options
		shallow     bool
		worktree    bool
		wantTarget  string // where main is found; "" means absent
		wantRemotes string // a ref Refs("refs/remotes/") must list
	}{
		{name: "full history", opts: gittest.Options{}, wantTarget: "refs/remotes/origin/main", wantRemotes: "refs/remotes/pull/42/merge"},
		{name: "full history, packed refs", opts: gittest.Options{PackRefs: true}, wantTarget: "refs/remotes/origin/main", wantRemotes: "refs/remotes/origin/feature/login"},
		{name: "shallow with branches", opts: gittest.Options{Depth: 1}, shallow: true, wantTarget: "refs/remotes/origin/main"},
		{name: "shallow by commit (agent default for pull requests)", opts: gittest.Options{Depth: 1, ByCommit: true}, shallow: true,
			wantRemotes: "refs/remotes/origin/" + up.Merge},
		{name: "full history without the target branch", opts: gittest.Options{NoBranches: true}},
		{name: "linked worktree of a shallow checkout", opts: gittest.Options{Depth: 1, Worktree: true}, shallow: true, worktree: true,
			wantTarget: "refs/remotes/origin/main"},
		{name: "linked worktree, packed refs", opts: gittest.Options{Worktree: true, PackRefs: true}, worktree: true,
			wantTarget: "refs/remotes/origin/main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := up.Checkout(t, tt.opts)
			// From a subdirectory, as the scanner may start from one.
			sub := filepath.Join(dir, "nested", "dir")
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			co, err := gitlocal.Open(sub)
			if err != nil {
				t.Fatal(err)
			}
			if co.Root != dir {
				t.Errorf("Root %s, want %s", co.Root, dir)
			}
			if co.Shallow != tt.shallow || (tt.shallow && co.ShallowCommits == 0) {
				t.Errorf("Shallow %v (%d commits), want %v", co.Shallow, co.ShallowCommits, tt.shallow)
			}
			if co.GitFile != tt.worktree || co.Worktree != tt.worktree || (tt.worktree && co.CommonDir == co.GitDir) {
				t.Errorf("GitFile %v Worktree %v GitDir %s CommonDir %s", co.GitFile, co.Worktree, co.GitDir, co.CommonDir)
			}
			if !co.Head.Detached() || co.Head.Commit != up.Merge {
				t.Errorf("Head %+v, want detached at the merge commit %s", co.Head, up.Merge)
			}
			ref, found, err := co.FindBranch("main")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantTarget == "" && found:
				t.Errorf("main found at %s, want absent", ref.Name)
			case tt.wantTarget != "" && (!found || ref.Name != tt.wantTarget || ref.Commit != up.Main):
				t.Errorf("main: %+v found=%v, want %s at %s", ref, found, tt.wantTarget, up.Main)
			}
			if tt.wantRemotes != "" {
				names, _, err := co.Refs("refs/remotes/", 50)
				if err != nil {
					t.Fatal(err)
				}
				if !contains(names, tt.wantRemotes) {
					t.Errorf("Refs = %v, want %s among them", names, tt.wantRemotes)
				}
			}
		})
	}
}

func TestOpenNotGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A TFVC workspace has $tf, not .git.
	if err := os.Mkdir(filepath.Join(dir, "$tf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := gitlocal.Open(dir); !errors.Is(err, gitlocal.ErrNotGit) {
		t.Fatalf("err = %v, want ErrNotGit", err)
	}
	if _, err := gitlocal.Open(filepath.Join(dir, "missing")); err == nil || errors.Is(err, gitlocal.ErrNotGit) {
		t.Fatalf("a missing directory: err = %v, want a plain error", err)
	}
	// OpenRoot does not look in parents.
	up := gittest.NewUpstream(t)
	co := up.Checkout(t, gittest.Options{})
	sub := filepath.Join(co, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := gitlocal.OpenRoot(sub); !errors.Is(err, gitlocal.ErrNotGit) {
		t.Fatalf("OpenRoot(sub) err = %v, want ErrNotGit", err)
	}
	if c, err := gitlocal.OpenRoot(co); err != nil || c.Root != co {
		t.Fatalf("OpenRoot(root): %v %v", c, err)
	}
}

// Synthetic layouts cover what a real git on this machine may not produce.
func TestOpenSyntheticLayouts(t *testing.T) {
	t.Parallel()
	const id = "3f786850e387550fdab836ed7e6dc881de23001b"
	mk := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("branch HEAD, symbolic remote HEAD, peeled packed tag", func(t *testing.T) {
		t.Parallel()
		dir := mk(t, map[string]string{
			".git/HEAD":                      "ref: refs/heads/main\n",
			".git/refs/heads/main":           id + "\n",
			".git/refs/remotes/origin/HEAD":  "ref: refs/remotes/origin/main\n",
			".git/packed-refs":               "# pack-refs with: peeled fully-peeled sorted \n" + id + " refs/remotes/origin/main\n" + id + " refs/tags/v1\n^" + id + "\n",
			".git/shallow":                   "",
			".git/config":                    "[core]\n\tbare = false\n",
			".git/refs/remotes/origin/topic": "not an id",
		})
		co, err := gitlocal.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if co.Head.Detached() || co.Head.Branch != "refs/heads/main" || co.Head.Commit != id || co.Shallow {
			t.Errorf("%+v", co)
		}
		if r, found, err := co.Ref("refs/remotes/origin/HEAD"); err != nil || !found || r.Commit != id || r.Name != "refs/remotes/origin/main" {
			t.Errorf("origin/HEAD: %+v %v %v", r, found, err)
		}
		if b, ok := co.RemoteDefaultBranch("origin"); !ok || b != "main" {
			t.Errorf("RemoteDefaultBranch = %q %v", b, ok)
		}
		if _, ok := co.RemoteDefaultBranch("upstream"); ok {
			t.Error("RemoteDefaultBranch found an absent remote's HEAD")
		}
		if _, _, err := co.Ref("refs/remotes/origin/topic"); err == nil {
			t.Error("a corrupt loose ref must be an error")
		}
	})
	t.Run("reftable", func(t *testing.T) {
		t.Parallel()
		dir := mk(t, map[string]string{
			".git/HEAD":   "ref: refs/heads/.invalid\n",
			".git/config": "[core]\n\trepositoryformatversion = 1\n[extensions]\n\trefStorage = reftable\n",
		})
		co, err := gitlocal.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := co.FindBranch("main"); !errors.Is(err, gitlocal.ErrRefFormat) {
			t.Errorf("err = %v, want ErrRefFormat", err)
		}
	})
	t.Run("a .git file that points nowhere", func(t *testing.T) {
		t.Parallel()
		dir := mk(t, map[string]string{".git": "gitdir: ../elsewhere/.git/worktrees/x\n"})
		if _, err := gitlocal.Open(dir); err == nil || errors.Is(err, gitlocal.ErrNotGit) {
			t.Errorf("err = %v, want an error naming the missing git directory", err)
		}
	})
	t.Run("a .git file without gitdir", func(t *testing.T) {
		t.Parallel()
		dir := mk(t, map[string]string{".git": "hello\n"})
		if _, err := gitlocal.Open(dir); err == nil || !strings.Contains(err.Error(), "gitdir") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestValidRefName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"refs/heads/main": true, "refs/remotes/origin/release/1.2": true, "refs/heads/feature-x_y": true,
		"refs/heads/../../config": false, "refs/heads/a..b": false, "refs/heads/.hidden": false, "refs/heads/x.lock": false,
		"refs/heads/a b": false, "refs/heads/a~1": false, "refs/heads/a^": false, "refs/heads/a:b": false, "refs/heads/a\\b": false,
		"refs/heads/a@{1}": false, "refs/heads/": false, "refs/heads//x": false, "heads/main": false, "refs/heads/a\x00": false,
		"refs/heads/x.": false, "refs/heads/*": false,
	} {
		if got := gitlocal.ValidRefName(name); got != want {
			t.Errorf("ValidRefName(%q) = %v, want %v", name, got, want)
		}
	}
	if gitlocal.ValidBranchName("") || gitlocal.ValidBranchName("-x") || !gitlocal.ValidBranchName("release/1.2") {
		t.Error("ValidBranchName")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
