package packaging_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// git runs git in dir with a fixed identity and no user configuration.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=packaging test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=packaging test", "GIT_COMMITTER_EMAIL=test@example.invalid",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// tagRelease makes a repository of this work tree's files with one commit
// tagged v<manifest version>, as a release is, and returns its folder.
func tagRelease(t *testing.T) (src, tag string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		unavailable(t, "git not on PATH: %v", err)
	}
	var manifest struct{ Version string }
	readJSON(t, filepath.Join(repoRoot, "vss-extension.json"), &manifest)
	tag = "v" + manifest.Version

	src = t.TempDir()
	// Tracked files and new ones not yet committed: what a commit of this
	// work tree would hold.
	files := git(t, repoRoot, "ls-files", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(files, "\n") {
		fi, err := os.Lstat(filepath.Join(repoRoot, f))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or not a plain file
		}
		copyFile(t, filepath.Join(repoRoot, f), filepath.Join(src, f), fi.Mode().Perm())
	}
	git(t, src, "init", "-q", "-b", "main")
	git(t, src, "add", "-A")
	git(t, src, "commit", "-q", "-m", "release")
	git(t, src, "tag", "-a", tag, "-m", tag)
	return src, tag
}

// TestBuildVersionInShallowTaglessClone: Azure Pipelines checks out a tag
// build shallowly (depth 1) and without tags, so git describe knows no
// version there. scripts/build.sh stamps the tag's version when given it: by
// --version, by VERSION, or from BUILD_SOURCEBRANCH, which the agent sets to
// refs/tags/<tag> for a tag build.
func TestBuildVersionInShallowTaglessClone(t *testing.T) {
	t.Parallel()
	src, tag := tagRelease(t)
	clone := filepath.Join(t.TempDir(), "clone")
	git(t, filepath.Dir(clone), "clone", "-q", "--depth", "1", "--no-tags", "file://"+src, clone)
	if shallow := git(t, clone, "rev-parse", "--is-shallow-repository"); shallow != "true" {
		t.Fatalf("the clone is not shallow (%s)", shallow)
	}
	if tags := git(t, clone, "tag", "--list"); tags != "" {
		t.Fatalf("the clone has tags: %s", tags)
	}
	commit := git(t, clone, "rev-parse", "--short", "HEAD")
	release := strings.TrimPrefix(tag, "v")

	tests := []struct {
		name  string
		args  []string
		env   []string
		want  string // version stamped
		build bool   // also build the binary and ask it
	}{
		{"argument", []string{"--version", tag}, nil, release, true},
		{"VERSION", nil, []string{"VERSION=" + tag}, release, true},
		{"tag build", nil, []string{"BUILD_SOURCEBRANCH=refs/tags/" + tag}, release, false},
		{"argument wins", []string{"--version", release}, []string{"BUILD_SOURCEBRANCH=refs/tags/v9.9.9"}, release, false},
		// A branch build of the same commit: nothing names a version.
		{"nothing given", nil, []string{"BUILD_SOURCEBRANCH=refs/heads/main"}, "dev", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the builds share the clone.
			env := buildEnv(tt.env)
			out := runScript(t, clone, env, append(tt.args, "version")...)
			if got, want := out, tt.want+" "+commit; got != want {
				t.Errorf("scripts/build.sh version: %q, want %q", got, want)
			}
			if !tt.build {
				return
			}
			stage := t.TempDir()
			env = append(env, "STAGE_DIR="+stage, "TARGETS="+runtime.GOOS+"/"+runtime.GOARCH)
			runScript(t, clone, env, append(tt.args, "binaries")...)
			bin := filepath.Join(stage, taskRel, "bin", nodePlatform(), "sonar-preflight")
			got, err := exec.Command(bin, "version").Output()
			if err != nil {
				t.Fatalf("%s version: %v", bin, err)
			}
			if want := "sonar-preflight " + tt.want + " (" + commit + ")\n"; string(got) != want {
				t.Errorf("the built binary says %q, want %q", got, want)
			}
		})
	}

	// A release tag that the manifests do not carry is refused.
	cmd := exec.Command("bash", "scripts/build.sh", "--version", "v9.9.9", "version")
	cmd.Dir, cmd.Env = clone, buildEnv(nil)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "differs from the manifests' version") {
		t.Errorf("a release version unlike the manifests' was accepted: %v\n%s", err, out)
	}
}

// buildEnv is this process's environment without anything that would choose
// the version or the commit for the script, plus extra.
func buildEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "VERSION", "COMMIT", "BUILD_SOURCEBRANCH", "STAGE_DIR", "DIST_DIR", "TARGETS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func runScript(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"scripts/build.sh"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/build.sh %v: %v\n%s%s", args, err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}
