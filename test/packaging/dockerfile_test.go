package packaging_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, COPY, ...
	Args string
	Line int
}

// flags returns the --name=value options at the start of Args (COPY --from=, --chmod=).
func (in instruction) flags() (map[string]string, []string) {
	f := map[string]string{}
	fields := strings.Fields(in.Args)
	i := 0
	for ; i < len(fields) && strings.HasPrefix(fields[i], "--"); i++ {
		k, v, _ := strings.Cut(strings.TrimPrefix(fields[i], "--"), "=")
		f[k] = v
	}
	return f, fields[i:]
}

type stage struct {
	Image, Name string
	Body        []instruction
}

// last returns the stage's last instruction of the kind, if any.
func (s stage) last(cmd string) (instruction, bool) {
	for i := len(s.Body) - 1; i >= 0; i-- {
		if s.Body[i].Cmd == cmd {
			return s.Body[i], true
		}
	}
	return instruction{}, false
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Body {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// parseDockerfile reads instructions the way the Dockerfile frontend does for
// what matters here: comments and parser directives skipped, backslash
// continuations joined, global ARG defaults substituted in FROM.
func parseDockerfile(t *testing.T, path string) (stages []stage) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		ins     []instruction
		cur     strings.Builder
		start   int
		lineNum int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = lineNum
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		ins = append(ins, instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur.Len() != 0 {
		t.Fatalf("%s: dangling line continuation", path)
	}

	globals := map[string]string{}
	for _, in := range ins {
		if in.Cmd == "FROM" {
			fields := strings.Fields(in.Args)
			image := os.Expand(fields[0], func(k string) string { return globals[k] })
			st := stage{Image: image}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.Name = fields[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Fatalf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			k, v, _ := strings.Cut(in.Args, "=")
			globals[k] = v
			continue
		}
		stages[len(stages)-1].Body = append(stages[len(stages)-1].Body, in)
	}
	return stages
}

func findStage(stages []stage, name string) (stage, bool) {
	for _, s := range stages {
		if s.Name == name {
			return s, true
		}
	}
	return stage{}, false
}

// binaryCopy finds the COPY of the built binary into the stage.
func binaryCopy(t *testing.T, s stage) (flags map[string]string, dest string) {
	t.Helper()
	for _, in := range s.all("COPY") {
		f, rest := in.flags()
		if len(rest) == 2 && strings.HasSuffix(rest[0], "/sonar-preflight") {
			return f, rest[1]
		}
	}
	t.Fatalf("stage %q copies no sonar-preflight binary", s.Name)
	return nil, ""
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t, filepath.Join(repoRoot, "Dockerfile"))
	if len(stages) < 3 {
		t.Fatalf("want build, minimal and job stages, got %d", len(stages))
	}
	names := map[string]bool{}
	for i, s := range stages {
		for _, in := range s.all("COPY") {
			f, _ := in.flags()
			if from, ok := f["from"]; ok && !names[from] {
				t.Errorf("stage %d line %d: COPY --from=%s names no earlier stage", i, in.Line, from)
			}
		}
		names[s.Name] = true
	}

	t.Run("build stage makes a static, stamped binary and the minimal root", func(t *testing.T) {
		b := stages[0]
		// An exact Go release, the one go.mod asks for: a floating 1.26 tag
		// would build releases with whatever patch level the day brings.
		if want := "golang:" + goModVersion(t) + "-"; !strings.HasPrefix(b.Image, want) && !strings.Contains(b.Image, "@sha256:") {
			t.Errorf("first stage FROM %s, want %s<suite> (go.mod's version) or a digest", b.Image, want)
		}
		var build string
		for _, in := range b.all("RUN") {
			if strings.Contains(in.Args, "go build") {
				build = in.Args
			}
		}
		for _, want := range []string{
			"CGO_ENABLED=0", "-trimpath", "-s -w", "./cmd/sonar-preflight",
			"-X sonar-preflight/internal/version.Version=${VERSION}",
			"-X sonar-preflight/internal/version.Commit=${COMMIT}",
			"scripts/minimal-rootfs.sh /out/rootfs /out/sonar-preflight /etc/ssl/certs/ca-certificates.crt",
		} {
			if !strings.Contains(build, want) {
				t.Errorf("the build's RUN lacks %q: %s", want, build)
			}
		}
	})

	t.Run("minimal target", func(t *testing.T) {
		m, ok := findStage(stages, "minimal")
		if !ok {
			t.Fatal("no stage named minimal")
		}
		if m.Image != "scratch" {
			t.Errorf("minimal FROM %s, want scratch (the binary is static)", m.Image)
		}
		// The whole root in one COPY, so /tmp keeps its 1777 (a COPY makes the
		// folders it copies into itself, 0755 root). TestMinimalImageLayout
		// runs the same script and the binary in its result.
		copies := m.all("COPY")
		if len(copies) != 1 || copies[0].Args != "--from=build /out/rootfs/ /" {
			t.Errorf("minimal must copy exactly the root scripts/minimal-rootfs.sh laid out (COPY --from=build /out/rootfs/ /), has %v", copies)
		}
		if uid, gid := minimalUser(t, m); uid == 0 || gid == 0 {
			t.Errorf("minimal must run as a non-root user and group, USER %d:%d", uid, gid)
		}
		ep, ok := m.last("ENTRYPOINT")
		var argv []string
		if !ok || json.Unmarshal([]byte(ep.Args), &argv) != nil || !slices.Equal(argv, []string{"sonar-preflight"}) {
			t.Errorf(`minimal ENTRYPOINT %q, want exec form ["sonar-preflight"]`, ep.Args)
		}
		if path := stageEnv(m)["PATH"]; !slices.Contains(strings.Split(path, ":"), "/usr/local/bin") {
			t.Errorf("minimal sets no PATH with /usr/local/bin (ENTRYPOINT resolves through it): %q", path)
		}
		checkLabels(t, m)
	})

	t.Run("default target is a container-job image", func(t *testing.T) {
		j := stages[len(stages)-1]
		if j.Name == "minimal" || j.Name == "build" {
			t.Fatalf("the last stage (what `docker build` makes without --target) is %q", j.Name)
		}
		// glibc and bash: Debian or Ubuntu, not Alpine, not scratch or
		// distroless; pinned to a dated build or a digest.
		if !regexp.MustCompile(`^(debian|ubuntu):[a-z]+-\d{8}(-slim)?$|^(debian|ubuntu):[^@]*@sha256:[0-9a-f]{64}$`).MatchString(j.Image) {
			t.Errorf("job image FROM %s, want a Debian or Ubuntu base (glibc, bash) pinned by dated tag or digest", j.Image)
		}
		if in, ok := j.last("ENTRYPOINT"); ok {
			t.Errorf("line %d: a job container must have no ENTRYPOINT (the agent's docker exec needs it running)", in.Line)
		}
		if u, ok := j.last("USER"); ok && !isRootUser(u.Args) {
			t.Errorf("USER %s: the agent needs root to useradd its own user", u.Args)
		}
		var certs bool
		for _, in := range j.all("RUN") {
			certs = certs || (strings.Contains(in.Args, "apt-get install") && strings.Contains(in.Args, "ca-certificates"))
		}
		if !certs {
			t.Error("job image installs no ca-certificates")
		}
		flags, dest := binaryCopy(t, j)
		// World-executable, on the default PATH, for the agent's unprivileged user.
		if flags["chmod"] != "0755" || dest != "/usr/local/bin/sonar-preflight" {
			t.Errorf("binary copied to %s with chmod %q, want /usr/local/bin with 0755", dest, flags["chmod"])
		}
		checkLabels(t, j)
	})
}

// goModVersion is the go directive of go.mod: the Go release the project is
// built with everywhere.
func goModVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+\.\d+)\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go directive with a patch version (go 1.26.8)")
	}
	return string(m[1])
}

// stageEnv is the stage's ENV instructions as a map (KEY=VALUE forms).
func stageEnv(s stage) map[string]string {
	env := map[string]string{}
	for _, in := range s.all("ENV") {
		for _, kv := range strings.Fields(in.Args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = strings.Trim(v, `"`)
			}
		}
	}
	return env
}

var labelRE = regexp.MustCompile(`([A-Za-z0-9._-]+)=("([^"]*)"|(\S+))`)

// checkLabels holds a final stage to the OCI annotations a registry and a
// scanner read: where the source is, which version and commit, which license,
// the version and commit from the build arguments declared in that stage (a
// stage sees no ARG of another).
func checkLabels(t *testing.T, s stage) {
	t.Helper()
	labels := map[string]string{}
	args := map[string]bool{}
	for _, in := range s.Body {
		switch in.Cmd {
		case "ARG":
			name, _, _ := strings.Cut(in.Args, "=")
			args[name] = true
		case "LABEL":
			for _, m := range labelRE.FindAllStringSubmatch(in.Args, -1) {
				v := m[3]
				if m[4] != "" {
					v = m[4]
				}
				labels[m[1]] = v
				// The value is read when the LABEL runs: its ARGs must come first.
				for _, ref := range regexp.MustCompile(`\$\{?([A-Z_]+)`).FindAllStringSubmatch(v, -1) {
					if !args[ref[1]] {
						t.Errorf("stage %s: label %s uses ${%s}, not declared by an ARG before it in this stage", s.Name, m[1], ref[1])
					}
				}
			}
		}
	}
	want := map[string]string{
		"org.opencontainers.image.source":   "${SOURCE}",
		"org.opencontainers.image.version":  "${VERSION}",
		"org.opencontainers.image.revision": "${COMMIT}",
		"org.opencontainers.image.licenses": licenseID(t),
	}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("stage %s: label %s = %q, want %q", s.Name, k, labels[k], v)
		}
	}
}

// licenseID is the SPDX identifier of the LICENSE file.
func licenseID(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "MIT License") {
		t.Fatalf("LICENSE is not the MIT license the labels and manifests name")
	}
	return "MIT"
}

// minimalUser is the numeric uid:gid of the minimal stage's USER.
func minimalUser(t *testing.T, m stage) (uid, gid int) {
	t.Helper()
	u, ok := m.last("USER")
	if !ok {
		t.Fatal("minimal has no USER")
	}
	var err error
	us, gs, _ := strings.Cut(strings.TrimSpace(u.Args), ":")
	if uid, err = strconv.Atoi(us); err != nil {
		t.Fatalf("minimal USER %q: want numeric uid:gid (Kubernetes' runAsNonRoot can only verify numbers)", u.Args)
	}
	if gid, err = strconv.Atoi(gs); err != nil {
		t.Fatalf("minimal USER %q: want numeric uid:gid", u.Args)
	}
	return uid, gid
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", "dist", "tools/node_modules", "task/*/bin"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// The build stage needs these.
	for _, keep := range []string{"go.mod", "go.sum", "cmd", "internal"} {
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, keep); ok || p == "*" || p == "." {
				t.Errorf(".dockerignore pattern %q excludes %s", p, keep)
			}
		}
	}
}
