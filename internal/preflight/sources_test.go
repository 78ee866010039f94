package preflight

import "testing"

// Reports speak to users: the package names Go errors start with are dropped.
func TestUserTextDropsPackageNames(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"github: repository URI https://x/y: github: not a repository URI": "repository URI https://x/y: not a repository URI",
		"azdo: this API exists only in Azure DevOps Services":              "this API exists only in Azure DevOps Services",
		"GET https://sq/api/x: 401 Unauthorized":                           "GET https://sq/api/x: 401 Unauthorized",
		"proxy: sonar: refused":                                            "proxy: refused",
	}
	for in, want := range tests {
		if got := userText(in); got != want {
			t.Errorf("userText(%q) = %q, want %q", in, got, want)
		}
	}
}
