// Package gitlocal reads what a Git checkout's own files say: the .git
// directory or .git file (linked worktrees and submodules), HEAD, loose refs,
// packed-refs and the shallow file. It runs no git binary and parses no
// objects: it answers the questions a SonarQube scanner's Git integration
// asks of the checkout before analysis, whether the history is shallow and
// whether the pull request's target branch is there to diff against.
//
// The layout it reads is Git's own (gitrepository-layout(5)): HEAD lives in
// the per-worktree git directory, refs, packed-refs, shallow and config in
// the common directory that a linked worktree's commondir file names.
package gitlocal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"sonar-preflight/internal/safefile"
)

// ErrNotGit means no .git was found in the directory or any parent: not a
// Git checkout (TFVC, a release without sources, an exported tree).
var ErrNotGit = errors.New("not a Git checkout")

// ErrRefFormat is returned by ref look-ups in a repository whose refs are
// stored in the reftable format (extensions.refStorage = reftable), which
// this package does not read.
var ErrRefFormat = errors.New("the refs are stored in the reftable format, which is not read here")

// Caps on what is read. A .git file, HEAD, commondir or a loose ref is a
// line; config is small; shallow lists one id a line per shallow commit;
// packed-refs holds a line per ref (a million refs fit in 100 MiB). A
// checkout's files are not the program's (a pull request's build steps run
// before it and can leave anything there), so every file is opened through
// safefile: regular files only, within these caps, never blocking on a FIFO.
const (
	maxSmallFile  = 64 << 10
	maxLine       = 64 << 10
	maxConfig     = 4 << 20
	maxShallow    = 64 << 20
	maxPackedRefs = 128 << 20
)

// open opens a file of the checkout for reading, with the safefile checks;
// its errors name the file.
func open(path string, max int64) (*safefile.File, error) {
	f, err := safefile.Open(path, max)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return f, nil
}

// Checkout is a Git checkout as its files describe it.
type Checkout struct {
	// Root is the work tree's top directory: where .git is.
	Root string
	// GitDir holds HEAD: Root/.git, or what a .git file names.
	GitDir string
	// CommonDir holds refs, packed-refs, shallow and config: GitDir, or
	// what GitDir/commondir names in a linked worktree.
	CommonDir string
	// GitFile is true when .git is a file: a linked worktree
	// (git worktree add) or a submodule.
	GitFile bool
	// Worktree is true for a linked worktree (its git directory names a
	// common directory).
	Worktree bool
	// Shallow is true when the common directory has a non-empty shallow
	// file: the history stops at the commits it lists.
	Shallow bool
	// ShallowCommits is how many commits the shallow file lists.
	ShallowCommits int
	// Head is what HEAD says.
	Head Head
	// RefStorage is "files" or "reftable" (extensions.refStorage).
	RefStorage string
}

// Head is the checkout's HEAD.
type Head struct {
	// Branch is the full ref HEAD names (refs/heads/main); empty when
	// HEAD is detached, as a pipeline's checkout of a commit leaves it.
	Branch string
	// Commit is the object id HEAD points at; empty for a branch without
	// commits yet, or when the branch's ref could not be read.
	Commit string
}

// Detached reports a HEAD that names a commit rather than a branch.
func (h Head) Detached() bool { return h.Branch == "" }

// Ref is one reference.
type Ref struct {
	Name   string // refs/remotes/origin/main
	Commit string // the object id it points at, symbolic refs followed
}

// Open finds the checkout that contains dir: dir itself or the nearest
// parent holding .git, as git and the scanner's JGit look for it.
func Open(dir string) (*Checkout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", abs)
	}
	for d := abs; ; {
		c, err := openAt(d)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrNotGit) {
			return nil, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("%s: %w", abs, ErrNotGit)
		}
		d = parent
	}
}

// OpenRoot reads the checkout whose top directory is dir, without looking
// in parents: where a pipeline's checkout step puts .git.
func OpenRoot(dir string) (*Checkout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", abs)
	}
	c, err := openAt(abs)
	if errors.Is(err, ErrNotGit) {
		return nil, fmt.Errorf("%s: %w", abs, ErrNotGit)
	}
	return c, err
}

// openAt reads root/.git, a directory or a "gitdir: <path>" file.
func openAt(root string) (*Checkout, error) {
	dotGit := filepath.Join(root, ".git")
	fi, err := os.Stat(dotGit)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotGit
	}
	if err != nil {
		return nil, err
	}
	c := &Checkout{Root: root, GitDir: dotGit}
	if !fi.IsDir() {
		c.GitFile = true
		line, err := readLine(dotGit)
		if err != nil {
			return nil, err
		}
		target, ok := strings.CutPrefix(line, "gitdir:")
		if !ok || strings.TrimSpace(target) == "" {
			return nil, fmt.Errorf("%s is a file but not a \"gitdir: <path>\" pointer", dotGit)
		}
		c.GitDir = resolve(root, strings.TrimSpace(target))
	}
	if _, err := os.Stat(filepath.Join(c.GitDir, "HEAD")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s has no HEAD: not a usable git directory", c.GitDir)
		}
		return nil, err
	}
	c.CommonDir = c.GitDir
	switch line, err := readLine(filepath.Join(c.GitDir, "commondir")); {
	case err == nil && line != "":
		c.CommonDir = resolve(c.GitDir, line)
		c.Worktree = true
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	c.RefStorage = refStorage(filepath.Join(c.CommonDir, "config"))
	if err := c.readShallow(); err != nil {
		return nil, err
	}
	if err := c.readHead(); err != nil {
		return nil, err
	}
	return c, nil
}

// resolve interprets p relative to base unless it is absolute.
func resolve(base, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

func (c *Checkout) readShallow() error {
	err := eachLine(filepath.Join(c.CommonDir, "shallow"), maxShallow, func(line string) bool {
		if isObjectID(strings.TrimSpace(line)) {
			c.ShallowCommits++
		}
		return true
	})
	if err != nil {
		return err
	}
	// Git removes the file when the history becomes complete; an empty one
	// is not shallow.
	c.Shallow = c.ShallowCommits > 0
	return nil
}

// eachLine calls fn for each line of the file at path (at most max bytes,
// opened as open does) until fn returns false. A missing file has no lines.
func eachLine(path string, max int64, fn func(line string) bool) error {
	f, err := open(path, max)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		if !fn(sc.Text()) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func (c *Checkout) readHead() error {
	line, err := readLine(filepath.Join(c.GitDir, "HEAD"))
	if err != nil {
		return err
	}
	if target, ok := strings.CutPrefix(line, "ref:"); ok {
		c.Head.Branch = strings.TrimSpace(target)
		if !ValidRefName(c.Head.Branch) && c.RefStorage != "reftable" {
			return fmt.Errorf("%s names %q, which is not a valid ref name", filepath.Join(c.GitDir, "HEAD"), clip(c.Head.Branch))
		}
		if c.RefStorage == "reftable" {
			// HEAD of a reftable repository names a placeholder branch.
			c.Head.Branch = ""
			return nil
		}
		if r, found, err := c.Ref(c.Head.Branch); err == nil && found {
			c.Head.Commit = r.Commit
		}
		return nil
	}
	if !isObjectID(line) {
		return fmt.Errorf("%s holds neither a ref nor an object id", filepath.Join(c.GitDir, "HEAD"))
	}
	c.Head.Commit = line
	return nil
}

// Ref looks up one reference by its full name (refs/remotes/origin/main):
// the loose ref file first, then packed-refs, as Git does. Symbolic refs
// are followed.
func (c *Checkout) Ref(name string) (Ref, bool, error) {
	if c.RefStorage == "reftable" {
		return Ref{}, false, ErrRefFormat
	}
	if !ValidRefName(name) {
		return Ref{}, false, fmt.Errorf("%q is not a valid ref name", name)
	}
	for depth := 0; depth < 5; depth++ {
		id, target, found, err := c.lookup(name)
		if err != nil || !found {
			return Ref{}, found, err
		}
		if target == "" {
			return Ref{Name: name, Commit: id}, true, nil
		}
		if !ValidRefName(target) {
			return Ref{}, false, fmt.Errorf("ref %s points at %q, which is not a valid ref name", name, target)
		}
		name = target
	}
	return Ref{}, false, fmt.Errorf("ref %s: too many levels of symbolic refs", name)
}

// lookup returns the id a ref holds, or the ref it points at.
func (c *Checkout) lookup(name string) (id, target string, found bool, err error) {
	path := filepath.Join(c.CommonDir, filepath.FromSlash(name))
	switch fi, serr := os.Stat(path); {
	case serr == nil && fi.Mode().IsRegular():
		line, err := readLine(path)
		if err != nil {
			return "", "", false, err
		}
		if t, ok := strings.CutPrefix(line, "ref:"); ok {
			return "", strings.TrimSpace(t), true, nil
		}
		if !isObjectID(line) {
			return "", "", false, fmt.Errorf("ref %s holds %q, not an object id", name, clip(line))
		}
		return line, "", true, nil
	case serr != nil && !errors.Is(serr, fs.ErrNotExist) && !errors.Is(serr, fs.ErrInvalid) && !isNotDir(serr):
		return "", "", false, serr
	}
	// Not loose (absent, or a directory of deeper refs): packed-refs.
	var hit string
	err = c.packed(func(ref, id string) bool {
		if ref == name {
			hit = id
			return false
		}
		return true
	})
	return hit, "", hit != "", err
}

// packed calls fn for each ref of packed-refs until fn returns false.
func (c *Checkout) packed(fn func(ref, id string) bool) error {
	return eachLine(filepath.Join(c.CommonDir, "packed-refs"), maxPackedRefs, func(line string) bool {
		// "# pack-refs with: ..." heads the file; "^<id>" peels the tag above.
		if line == "" || line[0] == '#' || line[0] == '^' {
			return true
		}
		id, ref, ok := strings.Cut(line, " ")
		if !ok || !isObjectID(id) || !ValidRefName(ref) {
			return true
		}
		return fn(ref, id)
	})
}

// BranchRefs are where the scanner's Git integration looks for a pull
// request's target branch, in its order (SonarSource/sonarqube,
// sonar-scanner-engine GitScmProvider.resolveTargetRef).
func BranchRefs(branch string) []string {
	return []string{
		"refs/heads/" + branch,
		"refs/remotes/origin/" + branch,
		"refs/remotes/upstream/" + branch,
		"refs/remotes/" + branch,
	}
}

// FindBranch looks for branch where the scanner does (BranchRefs) and
// returns the first ref found.
func (c *Checkout) FindBranch(branch string) (Ref, bool, error) {
	for _, name := range BranchRefs(branch) {
		r, found, err := c.Ref(name)
		if err != nil || found {
			return r, found, err
		}
	}
	return Ref{}, false, nil
}

// RemoteDefaultBranch is the branch the remote's HEAD names
// (refs/remotes/origin/HEAD → main): git clone records it; a pipeline's
// checkout (init, then fetch) does not. ok is false when it is absent.
func (c *Checkout) RemoteDefaultBranch(remote string) (branch string, ok bool) {
	r, found, err := c.Ref("refs/remotes/" + remote + "/HEAD")
	if err != nil || !found {
		return "", false
	}
	branch, ok = strings.CutPrefix(r.Name, "refs/remotes/"+remote+"/")
	return branch, ok && branch != "HEAD"
}

// Refs lists the full names of the refs under prefix (refs/remotes/),
// loose and packed, sorted, at most limit of them; more reports whether
// there were others.
func (c *Checkout) Refs(prefix string, limit int) (names []string, more bool, err error) {
	if c.RefStorage == "reftable" {
		return nil, false, ErrRefFormat
	}
	seen := map[string]bool{}
	add := func(n string) {
		// A file whose name Git would never give a ref is not one.
		if strings.HasPrefix(n, prefix) && !seen[n] && ValidRefName(n) {
			seen[n] = true
		}
	}
	base := filepath.Join(c.CommonDir, "refs")
	visited := 0
	werr := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if visited++; visited > 10*limit+100 {
			more = true
			return filepath.SkipAll
		}
		if d.Type().IsRegular() {
			rel, rerr := filepath.Rel(c.CommonDir, p)
			if rerr == nil {
				add(filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if werr != nil {
		return nil, false, werr
	}
	if err := c.packed(func(ref, _ string) bool { add(ref); return true }); err != nil {
		return nil, false, err
	}
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > limit {
		names, more = names[:limit], true
	}
	return names, more, nil
}

// ValidRefName applies the rules of git check-ref-format that keep a name
// inside the refs directory and out of Git's special syntax: it must start
// with refs/, and no component may be empty, start with a dot or end with
// .lock; no "..", "@{", backslash, control character or any of " ~^:?*[".
func ValidRefName(name string) bool {
	if !strings.HasPrefix(name, "refs/") || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") || name == "@" {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if comp == "" || comp[0] == '.' || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	return true
}

// ValidBranchName is ValidRefName for a branch's short name (main,
// release/1.2).
func ValidBranchName(branch string) bool {
	return branch != "" && !strings.HasPrefix(branch, "-") && ValidRefName("refs/heads/"+branch)
}

// refStorage reads extensions.refStorage from a repository's config: the
// files backend unless it says reftable.
func refStorage(configPath string) string {
	f, err := open(configPath, maxConfig)
	if err != nil {
		return "files"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.ToLower(strings.Trim(strings.Fields(line + " ")[0], "[]\""))
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if ok && section == "extensions" && strings.EqualFold(strings.TrimSpace(key), "refstorage") {
			if strings.EqualFold(strings.Trim(strings.TrimSpace(val), "\""), "reftable") {
				return "reftable"
			}
		}
	}
	return "files"
}

// readLine reads the first line of a small file, trimmed.
func readLine(path string) (string, error) {
	f, err := open(path, maxSmallFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}

// isObjectID accepts SHA-1 (40) and SHA-256 (64) hexadecimal object ids.
func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// isNotDir reports ENOTDIR: a path component of the loose ref is a file
// (refs/heads/a exists and refs/heads/a/b is asked for).
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
