// Package gittest builds real Git repositories with the git binary, for
// tests: an upstream with a main branch, a feature branch and the merge
// commit a pull-request build checks out, and checkouts of it made the way
// the Azure Pipelines agent makes them (git init, remote add, fetch with the
// agent's refspecs and depth, checkout --detach). Tests only: it needs git.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// PRNumber is the pull request the upstream carries a merge ref for.
const PRNumber = "42"

// Upstream is a bare repository standing in for the remote.
type Upstream struct {
	Dir   string // bare repository
	URL   string // file:// URL, so that --depth is honoured
	Main  string // tip of refs/heads/main
	Merge string // refs/pull/42/merge: feature merged into main
	home  string
}

// Options describe a checkout.
type Options struct {
	// Depth is fetchDepth: 0 fetches all history, 1 is the YAML default.
	Depth int
	// ByCommit fetches only the merge commit by its id, as the agent does
	// for a shallow pull-request fetch (refs/remotes/origin/<id>): no
	// branch refs at all.
	ByCommit bool
	// NoBranches leaves out +refs/heads/*:refs/remotes/origin/*, so the
	// target branch is not fetched.
	NoBranches bool
	// PackRefs moves every ref into packed-refs (git pack-refs --all).
	PackRefs bool
	// Worktree returns a linked worktree of the checkout (git worktree
	// add), whose .git is a file.
	Worktree bool
}

// NewUpstream makes the upstream: three commits on main, one on feature,
// and their merge at refs/pull/42/merge.
func NewUpstream(t testing.TB) *Upstream {
	t.Helper()
	root := t.TempDir()
	u := &Upstream{Dir: filepath.Join(root, "upstream.git"), home: filepath.Join(root, "home")}
	if err := os.MkdirAll(u.home, 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(root, "work")
	u.git(t, "", "init", "--quiet", "--initial-branch=main", work)
	for i, name := range []string{"a.txt", "b.txt", "c.txt"} {
		write(t, filepath.Join(work, name), strings.Repeat("line\n", i+1))
		u.git(t, work, "add", name)
		u.git(t, work, "commit", "--quiet", "-m", "main "+name)
	}
	u.git(t, work, "checkout", "--quiet", "-b", "feature/login", "HEAD~1")
	write(t, filepath.Join(work, "login.txt"), "login\n")
	u.git(t, work, "add", "login.txt")
	u.git(t, work, "commit", "--quiet", "-m", "feature")
	u.git(t, work, "checkout", "--quiet", "--detach", "main")
	u.git(t, work, "merge", "--quiet", "--no-ff", "-m", "Merge pull request 42", "feature/login")
	u.Merge = u.git(t, work, "rev-parse", "HEAD")
	u.Main = u.git(t, work, "rev-parse", "main")
	u.git(t, "", "clone", "--quiet", "--bare", work, u.Dir)
	u.git(t, u.Dir, "update-ref", "refs/pull/"+PRNumber+"/merge", u.Merge)
	// The agent fetches a commit by its id when the server allows it.
	u.git(t, u.Dir, "config", "uploadpack.allowAnySHA1InWant", "true")
	u.URL = "file://" + filepath.ToSlash(u.Dir)
	return u
}

// Checkout makes a checkout of the pull request's merge commit and returns
// its directory.
func (u *Upstream) Checkout(t testing.TB, o Options) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "s")
	u.git(t, "", "init", "--quiet", dir)
	u.git(t, dir, "remote", "add", "origin", u.URL)
	fetch := []string{"fetch", "--quiet", "--no-tags", "--force"}
	if o.Depth > 0 {
		fetch = append(fetch, "--depth="+strconv.Itoa(o.Depth))
	}
	fetch = append(fetch, "origin")
	head := "refs/remotes/pull/" + PRNumber + "/merge"
	switch {
	case o.ByCommit:
		head = "refs/remotes/origin/" + u.Merge
		fetch = append(fetch, "+"+u.Merge+":"+head)
	default:
		if !o.NoBranches {
			fetch = append(fetch, "+refs/heads/*:refs/remotes/origin/*")
		}
		fetch = append(fetch, "+refs/pull/"+PRNumber+"/merge:"+head)
	}
	u.git(t, dir, fetch...)
	u.git(t, dir, "checkout", "--quiet", "--detach", head)
	if o.PackRefs {
		u.git(t, dir, "pack-refs", "--all")
	}
	if o.Worktree {
		wt := filepath.Join(t.TempDir(), "wt")
		u.git(t, dir, "worktree", "add", "--quiet", "--detach", wt, "HEAD")
		return wt
	}
	return dir
}

// git runs git in dir (or the current directory) with a private, empty
// configuration and returns its trimmed output.
func (u *Upstream) git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+u.home, "XDG_CONFIG_HOME="+u.home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+filepath.Join(u.home, "gitconfig"),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z", "GIT_TERMINAL_PROMPT=0",
	)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
