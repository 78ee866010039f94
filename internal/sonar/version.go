package sonar

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a SonarQube version: 9.9.8.100196, 10.7.0.96327,
// 2025.1.0.102418, 2026.1. Missing parts are zero.
type Version struct {
	Major, Minor, Patch, Build int
	Raw                        string // as the server wrote it
}

// ParseVersion reads a SonarQube version. It needs at least major.minor and
// accepts up to four numeric parts; a suffix after '-' (10.7-SNAPSHOT) is
// ignored.
func ParseVersion(s string) (Version, error) {
	raw := strings.TrimSpace(s)
	core, _, _ := strings.Cut(raw, "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return Version{}, fmt.Errorf("sonar: %q is not a SonarQube version", snippet(s, 40))
	}
	var n [4]int
	for i, p := range parts {
		if p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return Version{}, fmt.Errorf("sonar: %q is not a SonarQube version", snippet(s, 40))
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return Version{}, fmt.Errorf("sonar: %q is not a SonarQube version: %w", snippet(s, 40), err)
		}
		n[i] = v
	}
	return Version{Major: n[0], Minor: n[1], Patch: n[2], Build: n[3], Raw: raw}, nil
}

// Less reports whether v is older than o. Raw is ignored.
func (v Version) Less(o Version) bool {
	a := [4]int{v.Major, v.Minor, v.Patch, v.Build}
	b := [4]int{o.Major, o.Minor, o.Patch, o.Build}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// String returns the version as the server wrote it, or major.minor[.patch[.build]].
func (v Version) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	s := fmt.Sprintf("%d.%d", v.Major, v.Minor)
	if v.Patch != 0 || v.Build != 0 {
		s += fmt.Sprintf(".%d", v.Patch)
	}
	if v.Build != 0 {
		s += fmt.Sprintf(".%d", v.Build)
	}
	return s
}

// Line is the SonarQube Server release line v belongs to, for comparing
// behaviour across both numbering schemes: a Community Build numbered
// YY.M (24.12, 25.3) is built from the same code as Server 20YY.M, so it
// compares as 20YY.M; other versions are returned as they are.
func (v Version) Line() Version {
	if IsCommunityBuildVersion(v) {
		return Version{Major: 2000 + v.Major, Minor: v.Minor, Patch: v.Patch, Build: v.Build}
	}
	return Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch, Build: v.Build}
}

// AtLeast reports whether v's release line is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return !v.Line().Less(Version{Major: major, Minor: minor})
}

// FollowsAzureRedirects reports whether SonarQube v follows redirects when
// it calls Azure DevOps. Up to 10.x its AzureDevOpsHttpClient followed them
// (so an http:// record URL sent the PAT in clear text before
// the redirect to https); the 2025 client is built with
// setFollowRedirects(false), so any 3xx fails the call
// (server/sonar-alm-client/.../azure/AzureDevOpsHttpClient.java; the source
// dates that client only to a 2025 file, so 2025.1 is where this line is
// drawn). A zero (unknown) version reports true: the older, more permissive
// behaviour.
func FollowsAzureRedirects(v Version) bool {
	return v.Major == 0 || !v.AtLeast(2025, 1)
}
