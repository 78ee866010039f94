package packaging_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxVSIX is Azure DevOps Server's limit on an extension's size.
const maxVSIX = 25 << 20

type binaryTarget struct {
	folder, exe string
	check       func(t *testing.T, r io.ReaderAt)
}

var binaryTargets = []binaryTarget{
	{"linux-x64", "sonar-preflight", elfCheck(elf.EM_X86_64)},
	{"linux-arm64", "sonar-preflight", elfCheck(elf.EM_AARCH64)},
	{"win32-x64", "sonar-preflight.exe", peCheck(pe.IMAGE_FILE_MACHINE_AMD64)},
	{"darwin-x64", "sonar-preflight", machoCheck(macho.CpuAmd64)},
	{"darwin-arm64", "sonar-preflight", machoCheck(macho.CpuArm64)},
}

// elfCheck wants a static executable: no interpreter, no shared libraries,
// so it runs on any Linux agent and in an image without a libc.
func elfCheck(machine elf.Machine) func(*testing.T, io.ReaderAt) {
	return func(t *testing.T, r io.ReaderAt) {
		t.Helper()
		f, err := elf.NewFile(r)
		if err != nil {
			t.Errorf("not ELF: %v", err)
			return
		}
		if f.Machine != machine {
			t.Errorf("ELF machine %v, want %v", f.Machine, machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("has a program interpreter: dynamically linked (want CGO_ENABLED=0)")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("needs shared libraries %v", libs)
		}
	}
}

func peCheck(machine uint16) func(*testing.T, io.ReaderAt) {
	return func(t *testing.T, r io.ReaderAt) {
		t.Helper()
		f, err := pe.NewFile(r)
		if err != nil {
			t.Errorf("not PE: %v", err)
			return
		}
		if f.Machine != machine {
			t.Errorf("PE machine %#x, want %#x", f.Machine, machine)
		}
	}
}

func machoCheck(cpu macho.Cpu) func(*testing.T, io.ReaderAt) {
	return func(t *testing.T, r io.ReaderAt) {
		t.Helper()
		f, err := macho.NewFile(r)
		if err != nil {
			t.Errorf("not Mach-O: %v", err)
			return
		}
		if f.Cpu != cpu {
			t.Errorf("Mach-O CPU %v, want %v", f.Cpu, cpu)
		}
	}
}

func TestVSIX(t *testing.T) {
	t.Parallel()
	path := vsixFile(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	recordSize("vsix", fi.Size())
	t.Logf(".vsix %s: %d bytes (%.1f MiB; limit 25 MiB)", filepath.Base(path), fi.Size(), float64(fi.Size())/(1<<20))
	if fi.Size() >= maxVSIX {
		t.Errorf(".vsix is %d bytes, Azure DevOps Server accepts less than %d", fi.Size(), maxVSIX)
	}

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "/") {
			files[f.Name] = f
		}
	}
	want := []string{
		"[Content_Types].xml", "extension.vsixmanifest", "extension.vsomanifest",
		"overview.md", "LICENSE", "images/icon.png",
		taskRel + "/task.json", taskRel + "/launcher.js", taskRel + "/icon.png",
	}
	for _, b := range binaryTargets {
		want = append(want, taskRel+"/bin/"+b.folder+"/"+b.exe)
	}
	var got []string
	for name := range files {
		got = append(got, name)
	}
	sameSet(t, ".vsix contents", got, want)

	// What ships is what is committed.
	for _, name := range []string{taskRel + "/task.json", taskRel + "/launcher.js", "overview.md"} {
		if f, ok := files[name]; ok {
			inZip := readZip(t, f)
			onDisk, err := os.ReadFile(filepath.Join(repoRoot, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(inZip, onDisk) {
				t.Errorf("%s in the .vsix differs from the repository's", name)
			}
		}
	}

	var m extensionManifest
	readJSON(t, filepath.Join(repoRoot, "vss-extension.json"), &m)
	if f, ok := files["extension.vsixmanifest"]; ok {
		var pkg struct {
			Metadata struct {
				Identity struct {
					ID        string `xml:"Id,attr"`
					Version   string `xml:"Version,attr"`
					Publisher string `xml:"Publisher,attr"`
				}
			}
		}
		if err := xml.Unmarshal(readZip(t, f), &pkg); err != nil {
			t.Fatalf("extension.vsixmanifest: %v", err)
		}
		id := pkg.Metadata.Identity
		if id.ID != m.ID || id.Version != m.Version || id.Publisher != m.Publisher {
			t.Errorf("vsixmanifest identity %+v, want %s %s %s", id, m.ID, m.Version, m.Publisher)
		}
	}

	for _, b := range binaryTargets {
		name := taskRel + "/bin/" + b.folder + "/" + b.exe
		f, ok := files[name]
		if !ok {
			continue
		}
		t.Run(b.folder, func(t *testing.T) {
			data := readZip(t, f)
			recordSize(b.folder, int64(len(data)))
			t.Logf("%s: %d bytes (%.1f MiB)", name, len(data), float64(len(data))/(1<<20))
			b.check(t, bytes.NewReader(data))
			if b.folder != nodePlatform() {
				return
			}
			// Runs as unpacked from the .vsix once the launcher restores
			// the exec bit, and carries the stamped version.
			p := filepath.Join(t.TempDir(), b.exe)
			if err := os.WriteFile(p, data, 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(p, "version").CombinedOutput()
			if err != nil {
				t.Fatalf("%s version: %v\n%s", name, err, out)
			}
			if !strings.Contains(string(out), buildVersion) || !strings.Contains(string(out), "0000000") {
				t.Errorf("version output %q lacks the stamped %s and commit", out, buildVersion)
			}
		})
	}
}

func readZip(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBuildScriptRefusesMismatchedRelease: a release tag must match the
// manifests, else the agent would keep a cached task of the old version.
func TestBuildScriptRefusesMismatchedRelease(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node not on PATH: %v", err)
	}
	cmd := exec.Command("bash", "scripts/build.sh", "binaries")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "STAGE_DIR="+t.TempDir(), "VERSION=v9.9.9")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("build.sh accepted VERSION=v9.9.9 against manifest version 1.x:\n%s", out)
	}
	if !strings.Contains(string(out), "release version 9.9.9 differs") {
		t.Errorf("unexpected failure: %s", out)
	}
	if slices.Contains(strings.Fields(string(out)), "binary") {
		t.Error("it built binaries before refusing")
	}
}

// TestBuildScriptRejectsTfxWarnings: tfx-cli only warns about an invalid
// task.json; the build must refuse such a package. A copy of the extension
// sources with a too-long friendlyName is packaged by a copy of the script.
func TestBuildScriptRejectsTfxWarnings(t *testing.T) {
	t.Parallel()
	modules := nodeModules(t)
	root := t.TempDir()
	for _, f := range []string{"scripts/build.sh", "vss-extension.json", "overview.md", "LICENSE", "images/icon.png",
		taskRel + "/launcher.js", taskRel + "/icon.png"} {
		copyFile(t, filepath.Join(repoRoot, f), filepath.Join(root, f), 0o644)
	}
	var task map[string]any
	readJSON(t, filepath.Join(repoRoot, taskRel, "task.json"), &task)
	task["friendlyName"] = strings.Repeat("SonarQube Preflight ", 3)
	b, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, taskRel, "task.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bt := range binaryTargets {
		copyFile(t, fakeBinary(t), filepath.Join(root, taskRel, "bin", bt.folder, bt.exe), 0o755)
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts/build.sh"), "vsix")
	cmd.Env = append(os.Environ(), "TFX="+filepath.Join(modules, ".bin", "tfx"), "VERSION=dev")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("build.sh packaged a task.json that tfx-cli warned about:\n%s", out)
	}
	if !strings.Contains(string(out), "friendlyName is a required string <= 40 chars") ||
		!strings.Contains(string(out), "tfx-cli warned") {
		t.Errorf("unexpected output:\n%s", out)
	}
	if m, _ := filepath.Glob(filepath.Join(root, "dist", "*.vsix")); len(m) != 0 {
		t.Errorf("the rejected package was left behind: %v", m)
	}
}

// TestCLIReleaseFiles: `scripts/build.sh cli` names each binary by version and
// platform for a download page, and SHA256SUMS verifies them the way a user
// checks a download (sha256sum -c).
func TestCLIReleaseFiles(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sha256sum"); err != nil {
		unavailable(t, "sha256sum not on PATH: %v", err)
	}
	stage := filepath.Dir(filepath.Dir(stagedTask(t))) // the STAGE_DIR the binaries were built in
	dist := t.TempDir()
	cmd := exec.Command("bash", "scripts/build.sh", "cli")
	cmd.Dir = repoRoot
	cmd.Env = append(buildEnv(nil), "STAGE_DIR="+stage, "DIST_DIR="+dist, "VERSION="+buildVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh cli: %v\n%s", err, out)
	}
	var want []string
	for _, bt := range binaryTargets {
		ext := strings.TrimPrefix(bt.exe, "sonar-preflight")
		want = append(want, "sonar-preflight-"+buildVersion+"-"+bt.folder+ext)
	}
	sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		fi, err := os.Stat(filepath.Join(dist, name))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v (mode %v), want an executable file", name, err, fi)
		}
		if !strings.Contains(string(sums), "  "+name+"\n") {
			t.Errorf("SHA256SUMS lacks %s:\n%s", name, sums)
		}
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = dist
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
}
