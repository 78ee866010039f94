// Package version reports the build's version, stamped with
// -ldflags "-X sonar-preflight/internal/version.Version=1.2.3 -X sonar-preflight/internal/version.Commit=abc"
// and falling back to the module build information.
package version

import "runtime/debug"

// Set by the linker.
var (
	Version = ""
	Commit  = ""
)

// String returns "1.2.3 (abc1234)" or the best the build information knows.
func String() string {
	v, c := Version, Commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 7 {
				c = s.Value[:7]
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c != "" {
		return v + " (" + c + ")"
	}
	return v
}
