package github

import (
	"errors"
	"strings"
	"testing"
)

func TestHostFromRepoURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri     string
		want    Host
		wantErr bool
	}{
		{uri: "https://github.com/contoso/web-app", want: Host{APIURL: "https://api.github.com/", WebHost: "github.com"}},
		{uri: "https://github.com/contoso/web-app.git", want: Host{APIURL: "https://api.github.com/", WebHost: "github.com"}},
		{uri: "  https://GitHub.com/contoso/web-app/  ", want: Host{APIURL: "https://api.github.com/", WebHost: "github.com"}},
		{uri: "https://www.github.com/contoso/web-app", want: Host{APIURL: "https://api.github.com/", WebHost: "github.com"}},
		{uri: "https://x-access-token:ghs_abc@github.com/contoso/web-app", want: Host{APIURL: "https://api.github.com/", WebHost: "github.com"}},
		{uri: "https://github.contoso.example/contoso/web-app", want: Host{APIURL: "https://github.contoso.example/api/v3/", Enterprise: true, WebHost: "github.contoso.example"}},
		{uri: "https://github.contoso.example:443/contoso/web-app", want: Host{APIURL: "https://github.contoso.example/api/v3/", Enterprise: true, WebHost: "github.contoso.example"}},
		{uri: "https://ghe.example:8443/team/svc.git", want: Host{APIURL: "https://ghe.example:8443/api/v3/", Enterprise: true, WebHost: "ghe.example:8443"}},
		{uri: "http://ghe.internal/team/svc", want: Host{APIURL: "http://ghe.internal/api/v3/", Enterprise: true, WebHost: "ghe.internal"}},
		{uri: "https://octocorp.ghe.com/team/svc", want: Host{APIURL: "https://api.octocorp.ghe.com/", Enterprise: true, WebHost: "octocorp.ghe.com"}},
		{uri: "https://[::1]:8443/team/svc", want: Host{APIURL: "https://[::1]:8443/api/v3/", Enterprise: true, WebHost: "[::1]:8443"}},
		{uri: "", wantErr: true},
		{uri: "git@github.com:contoso/web-app.git", wantErr: true},
		{uri: "ssh://git@github.com/contoso/web-app.git", wantErr: true},
		{uri: "https://github.com/contoso", wantErr: true},
		{uri: "https://github.com/", wantErr: true},
		{uri: "https://github.com/contoso/..", wantErr: true},
		{uri: "https:///contoso/web-app", wantErr: true},
		{uri: "contoso/web-app", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			t.Parallel()
			got, err := HostFromRepoURI(tt.uri)
			if tt.wantErr {
				if !errors.Is(err, ErrRepoURI) && !errors.Is(err, ErrRepoName) {
					t.Fatalf("HostFromRepoURI(%q) = %+v, %v; want ErrRepoURI or ErrRepoName", tt.uri, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("HostFromRepoURI(%q) = %+v, %v; want %+v", tt.uri, got, err, tt.want)
			}
		})
	}
}

// A token pasted into the repository URL must not reach the error text.
func TestHostFromRepoURIErrorHidesUserInfo(t *testing.T) {
	t.Parallel()
	const tok = "ghp_0123456789abcdefSECRET"
	for _, uri := range []string{
		"https://x:" + tok + "@github.com/contoso",
		"https://x:" + tok + "@github.com/%zz/web-app",
		"https://" + tok + "@ghe.example/contoso/bad name",
		"ht tp://x:" + tok + "@ghe.example/contoso/web-app",
	} {
		_, err := HostFromRepoURI(uri)
		if err == nil {
			t.Fatalf("HostFromRepoURI(%q): want an error", uri)
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error reveals the token: %v", err)
		}
	}
}

func TestSameAPIHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		record, repo string
		want         bool
	}{
		{"https://api.github.com", "https://github.com/contoso/web-app", true},
		{"https://api.github.com/", "https://github.com/contoso/web-app.git", true},
		{"https://API.GitHub.com:443", "https://github.com/contoso/web-app", true},
		{"https://github.contoso.example/api/v3", "https://github.contoso.example/contoso/web-app", true},
		{"https://github.contoso.example/api/v3/", "https://GITHUB.contoso.example/contoso/web-app", true},
		{"http://github.contoso.example:80/api/v3", "http://github.contoso.example/contoso/web-app", true},
		{"https://ghe.example:8443/api/v3", "https://ghe.example:8443/team/svc", true},
		{"https://api.octocorp.ghe.com", "https://octocorp.ghe.com/team/svc", true},
		// Another GitHub than the repository's.
		{"https://api.github.com", "https://github.contoso.example/contoso/web-app", false},
		{"https://github.contoso.example/api/v3", "https://github.com/contoso/web-app", false},
		{"https://other.example/api/v3", "https://github.contoso.example/contoso/web-app", false},
		{"https://ghe.example/api/v3", "https://ghe.example:8443/team/svc", false},
		// The web host is not the API: SonarQube itself rejects these records.
		{"https://github.com", "https://github.com/contoso/web-app", false},
		{"https://github.contoso.example", "https://github.contoso.example/contoso/web-app", false},
		// Unusable inputs.
		{"", "https://github.com/contoso/web-app", false},
		{"api.github.com", "https://github.com/contoso/web-app", false},
		{"https://api.github.com", "", false},
		{"https://api.github.com", "git@github.com:contoso/web-app.git", false},
	}
	for _, tt := range tests {
		if got := SameAPIHost(tt.record, tt.repo); got != tt.want {
			t.Errorf("SameAPIHost(%q, %q) = %v, want %v", tt.record, tt.repo, got, tt.want)
		}
	}
}

func TestSplitRepo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		owner, repo string
		wantErr     bool
	}{
		{name: "contoso/web-app", owner: "contoso", repo: "web-app"},
		{name: "Contoso/Web.App_2", owner: "Contoso", repo: "Web.App_2"},
		{name: "octocat_acme/.github", owner: "octocat_acme", repo: ".github"},
		{name: "web-app", wantErr: true},
		{name: "contoso/", wantErr: true},
		{name: "/web-app", wantErr: true},
		{name: "contoso/web-app/extra", wantErr: true},
		{name: "contoso/..", wantErr: true},
		{name: "contoso/.", wantErr: true},
		{name: "con toso/web-app", wantErr: true},
		{name: "contoso/web app", wantErr: true},
		{name: "contoso/web-app?x=1", wantErr: true},
		{name: "contoso/web%2fapp", wantErr: true},
		{name: "", wantErr: true},
	}
	for _, tt := range tests {
		owner, repo, err := SplitRepo(tt.name)
		if tt.wantErr {
			if !errors.Is(err, ErrRepoName) {
				t.Errorf("SplitRepo(%q) = %q, %q, %v; want ErrRepoName", tt.name, owner, repo, err)
			}
			continue
		}
		if err != nil || owner != tt.owner || repo != tt.repo {
			t.Errorf("SplitRepo(%q) = %q, %q, %v; want %q, %q", tt.name, owner, repo, err, tt.owner, tt.repo)
		}
	}
}

func FuzzHostFromRepoURI(f *testing.F) {
	for _, s := range []string{
		"https://github.com/contoso/web-app",
		"https://github.com/contoso/web-app.git",
		"https://ghe.example:8443/team/svc",
		"https://octocorp.ghe.com/team/svc",
		"https://[::1]:8443/a/b",
		"https://user:pass@github.com/a/b",
		"git@github.com:a/b.git",
		"https://github.com/a",
		"http://%41/a/b",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		h, err := HostFromRepoURI(uri)
		if err != nil {
			return
		}
		if !strings.HasSuffix(h.APIURL, "/") || h.WebHost == "" {
			t.Fatalf("HostFromRepoURI(%q) = %+v: API URL without trailing slash or no web host", uri, h)
		}
		// A repository is always served by its own API.
		if !SameAPIHost(h.APIURL, uri) {
			t.Fatalf("SameAPIHost(%q, %q) = false for the derived API URL", h.APIURL, uri)
		}
	})
}

func FuzzSplitRepo(f *testing.F) {
	for _, s := range []string{"contoso/web-app", "a/b/c", "/", "a/..", "octocat_acme/.github", "é/ü", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		owner, repo, err := SplitRepo(name)
		if err != nil {
			return
		}
		if owner+"/"+repo != name || strings.ContainsAny(repo, "/?#%") {
			t.Fatalf("SplitRepo(%q) = %q, %q", name, owner, repo)
		}
	})
}
