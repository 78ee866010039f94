package packaging_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

	t.Run("build stage makes a static, stamped binary", func(t *testing.T) {
		b := stages[0]
		if !strings.HasPrefix(b.Image, "golang:") {
			t.Errorf("first stage FROM %s, want a golang image", b.Image)
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
		} {
			if !strings.Contains(build, want) {
				t.Errorf("go build lacks %q: %s", want, build)
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
		var certs bool
		for _, in := range m.all("COPY") {
			certs = certs || strings.Contains(in.Args, "ca-certificates.crt")
		}
		if !certs {
			t.Error("minimal has no CA certificates")
		}
		flags, dest := binaryCopy(t, m)
		if flags["chmod"] != "0755" || dest != "/usr/local/bin/sonar-preflight" {
			t.Errorf("binary copied to %s with chmod %q", dest, flags["chmod"])
		}
		if u, ok := m.last("USER"); !ok || isRootUser(u.Args) {
			t.Errorf("minimal must run as a non-root user, USER %q", u.Args)
		}
		ep, ok := m.last("ENTRYPOINT")
		var argv []string
		if !ok || json.Unmarshal([]byte(ep.Args), &argv) != nil || !slices.Equal(argv, []string{"sonar-preflight"}) {
			t.Errorf(`minimal ENTRYPOINT %q, want exec form ["sonar-preflight"]`, ep.Args)
		}
		env, _ := m.last("ENV")
		if !strings.Contains(env.Args, "PATH=") || !strings.Contains(env.Args, "/usr/local/bin") {
			t.Errorf("minimal sets no PATH with /usr/local/bin (ENTRYPOINT resolves through it): %q", env.Args)
		}
	})

	t.Run("default target is a container-job image", func(t *testing.T) {
		j := stages[len(stages)-1]
		if j.Name == "minimal" || j.Name == "build" {
			t.Fatalf("the last stage (what `docker build` makes without --target) is %q", j.Name)
		}
		// glibc and bash: Debian or Ubuntu, not Alpine, not scratch or distroless.
		if !regexp.MustCompile(`^(debian|ubuntu):[^:]*$`).MatchString(j.Image) {
			t.Errorf("job image FROM %s, want a Debian or Ubuntu base (glibc, bash)", j.Image)
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
	})
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
