package simulator

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Checkout is the local checkout a scenario's pipeline job has. The
// simulator writes its .git files in Options.Dir as git lays them out
// (gitrepository-layout(5)): HEAD, config, loose refs or packed-refs, and
// shallow; no objects, since what is checked reads none. BUILD_SOURCESDIRECTORY
// names the directory.
//
// The zero value is what the Azure Pipelines agent leaves in a pull-request
// build whose checkout step has fetchDepth: 0: the whole history, every
// branch under refs/remotes/origin, the merge ref under refs/remotes/pull,
// HEAD detached at the merge commit (microsoft/azure-pipelines-agent
// GitSourceProvider: refspecs +refs/heads/*:refs/remotes/origin/* and
// +refs/pull/N/merge:refs/remotes/pull/N/merge, then checkout of the latter).
type Checkout struct {
	// Shallow is fetchDepth 1 with branch refspecs: each fetched tip is a
	// shallow boundary.
	Shallow bool
	// ByCommit is the agent's default shallow fetch of a pull request:
	// only the merge commit, by id, to refs/remotes/origin/<id>, so no
	// branch is there; the history is shallow.
	ByCommit bool
	// NotGit writes sources without .git: TFVC, or files copied without
	// their history.
	NotGit bool
	// Branches are the remote-tracking branches fetched; nil is main and
	// feature/login.
	Branches []string
	// Packed keeps the refs in packed-refs, as git gc leaves them.
	Packed bool
}

// The simulated pull request: feature/login into main, number 42.
const (
	prNumber       = "42"
	prSourceBranch = "feature/login"
)

// commitID is a stable, made-up commit id for name.
func commitID(name string) string {
	h := sha1.Sum([]byte("sonar-preflight simulator " + name))
	return hex.EncodeToString(h[:])
}

// writeCheckout lays the checkout out under dir/s and returns that path.
func writeCheckout(dir string, c Checkout) (string, error) {
	root := filepath.Join(dir, "s")
	files := map[string]string{
		"README.md":        "# web-app\n",
		"src/app/login.ts": "export const login = () => true;\n",
	}
	if !c.NotGit {
		merge := commitID("refs/pull/" + prNumber + "/merge")
		branches := c.Branches
		if branches == nil {
			branches = []string{"main", prSourceBranch}
		}
		refs := map[string]string{}
		var shallow []string
		if c.ByCommit {
			refs["refs/remotes/origin/"+merge] = merge
			shallow = []string{merge}
		} else {
			for _, b := range branches {
				refs["refs/remotes/origin/"+b] = commitID("refs/heads/" + b)
			}
			refs["refs/remotes/pull/"+prNumber+"/merge"] = merge
			if c.Shallow {
				for _, id := range refs {
					shallow = append(shallow, id)
				}
			}
		}
		files[".git/HEAD"] = merge + "\n"
		files[".git/description"] = "Unnamed repository; edit this file 'description' to name the repository.\n"
		files[".git/config"] = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n" +
			"[remote \"origin\"]\n\turl = " + defaultOrgURL + "/" + defaultProject + "/_git/" + defaultRepo + "\n" +
			"\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
		if len(shallow) > 0 {
			sort.Strings(shallow)
			files[".git/shallow"] = strings.Join(shallow, "\n") + "\n"
		}
		names := make([]string, 0, len(refs))
		for n := range refs {
			names = append(names, n)
		}
		sort.Strings(names)
		if c.Packed {
			var b strings.Builder
			b.WriteString("# pack-refs with: peeled fully-peeled sorted \n")
			for _, n := range names {
				fmt.Fprintf(&b, "%s %s\n", refs[n], n)
			}
			files[".git/packed-refs"] = b.String()
		} else {
			for _, n := range names {
				files[".git/"+n] = refs[n] + "\n"
			}
		}
		for _, d := range []string{".git/objects/info", ".git/objects/pack", ".git/refs/heads", ".git/refs/tags"} {
			if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
				return "", fmt.Errorf("simulator: checkout: %w", err)
			}
		}
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("simulator: checkout: %w", err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", fmt.Errorf("simulator: checkout: %w", err)
		}
	}
	return root, nil
}
