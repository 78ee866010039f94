package azdo

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOrgURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		dep     Deployment
		name    string
		base    string
		key     string
		wantErr string // substring of the error; empty = success
	}{
		// Services, current form.
		{in: "https://dev.azure.com/contoso", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://dev.azure.com/contoso/", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "  https://dev.azure.com/Contoso//  ", dep: Services, name: "Contoso", base: "https://dev.azure.com/Contoso", key: "services:contoso"},
		{in: "HTTPS://DEV.AZURE.COM/CONTOSO", dep: Services, name: "CONTOSO", base: "https://dev.azure.com/CONTOSO", key: "services:contoso"},
		{in: "https://dev.azure.com:443/contoso", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "http://dev.azure.com/contoso", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://dev.azure.com/contoso/Fabrikam", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://dev.azure.com/contoso/Fabrikam/_git/web-app", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/web-app", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://dev.azure.com/contoso?x=1#frag", dep: Services, name: "contoso", base: "https://dev.azure.com/contoso", key: "services:contoso"},
		{in: "https://dev.azure.com/my-org-2", dep: Services, name: "my-org-2", base: "https://dev.azure.com/my-org-2", key: "services:my-org-2"},
		// Services, legacy host.
		{in: "https://contoso.visualstudio.com", dep: Services, name: "contoso", base: "https://contoso.visualstudio.com", key: "services:contoso"},
		{in: "https://contoso.visualstudio.com/", dep: Services, name: "contoso", base: "https://contoso.visualstudio.com", key: "services:contoso"},
		{in: "https://Contoso.VisualStudio.com/DefaultCollection", dep: Services, name: "contoso", base: "https://contoso.visualstudio.com", key: "services:contoso"},
		{in: "https://contoso.visualstudio.com/defaultcollection/", dep: Services, name: "contoso", base: "https://contoso.visualstudio.com", key: "services:contoso"},
		{in: "https://contoso.visualstudio.com/Fabrikam/_git/web-app", dep: Services, name: "contoso", base: "https://contoso.visualstudio.com", key: "services:contoso"},
		// Server.
		{in: "https://tfs.contoso.example/tfs/DefaultCollection", dep: Server, name: "DefaultCollection", base: "https://tfs.contoso.example/tfs/DefaultCollection", key: "server:https://tfs.contoso.example/tfs/defaultcollection"},
		{in: "https://TFS.contoso.example/TFS/DefaultCollection/", dep: Server, name: "DefaultCollection", base: "https://tfs.contoso.example/TFS/DefaultCollection", key: "server:https://tfs.contoso.example/tfs/defaultcollection"},
		{in: "https://tfs.contoso.example:443/tfs/DefaultCollection", dep: Server, name: "DefaultCollection", base: "https://tfs.contoso.example/tfs/DefaultCollection", key: "server:https://tfs.contoso.example/tfs/defaultcollection"},
		{in: "http://build01:8080/tfs/DefaultCollection", dep: Server, name: "DefaultCollection", base: "http://build01:8080/tfs/DefaultCollection", key: "server:http://build01:8080/tfs/defaultcollection"},
		{in: "https://ado.contoso.example/Main", dep: Server, name: "Main", base: "https://ado.contoso.example/Main", key: "server:https://ado.contoso.example/main"},
		{in: "https://ado.contoso.example/Main/Fabrikam/_git/web-app", dep: Server, name: "Main", base: "https://ado.contoso.example/Main", key: "server:https://ado.contoso.example/main"},
		{in: "https://ado.contoso.example/tfs/My%20Collection/", dep: Server, name: "My Collection", base: "https://ado.contoso.example/tfs/My%20Collection", key: "server:https://ado.contoso.example/tfs/my collection"},
		{in: "https://[fd00::1]:8443/tfs/DefaultCollection", dep: Server, name: "DefaultCollection", base: "https://[fd00::1]:8443/tfs/DefaultCollection", key: "server:https://[fd00::1]:8443/tfs/defaultcollection"},

		// Errors.
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "dev.azure.com/contoso", wantErr: "not an absolute URL"},
		{in: "/contoso", wantErr: "not an absolute URL"},
		{in: "ftp://dev.azure.com/contoso", wantErr: `scheme "ftp" is not http or https`},
		{in: "https://dev.azure.com", wantErr: "no organization"},
		{in: "https://dev.azure.com/", wantErr: "no organization"},
		{in: "https://dev.azure.com/_apis/projects", wantErr: "no organization"},
		{in: "https://dev.azure.com/contoso%20", wantErr: "not a valid organization name"},
		{in: "https://dev.azure.com/con.toso", wantErr: "not a valid organization name"},
		{in: "https://dev.azure.com:8443/contoso", wantErr: "port 8443"},
		{in: "https://dev.azure.com/contoso%zz", wantErr: "invalid %-escape"},
		{in: "https://visualstudio.com/contoso", wantErr: "no organization"},
		{in: "https://vs-ssh.visualstudio.com/v3/contoso/Fabrikam/web-app", wantErr: "SSH host"},
		{in: "https://app.vssps.visualstudio.com/", wantErr: "service host"},
		{in: "https://contoso.vsrm.visualstudio.com/", wantErr: "use https://dev.azure.com/contoso"},
		{in: "https://marketplace.visualstudio.com/items", wantErr: "not an organization"},
		{in: "https://vssps.dev.azure.com/contoso", wantErr: "use https://dev.azure.com/contoso"},
		{in: "https://vsaex.dev.azure.com/", wantErr: "service host"},
		{in: "https://ssh.dev.azure.com/v3/contoso", wantErr: "SSH host"},
		{in: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app", wantErr: "SSH remote"},
		{in: "ssh://git@ssh.dev.azure.com/v3/contoso/Fabrikam/web-app", wantErr: "SSH remote"},
		{in: "https://tfs.contoso.example/", wantErr: "no collection"},
		{in: "https://tfs.contoso.example/tfs", wantErr: "no collection after /tfs"},
		{in: "https://tfs.contoso.example/tfs/_apis/projects", wantErr: "no collection after /tfs"},
		{in: "https://tfs.contoso.example/_apis/projects", wantErr: "no collection"},
		{in: "https://host:99999/tfs/x", wantErr: "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseOrgURL(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseOrgURL(%q) = %+v, want error containing %q", tt.in, got, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidURL) {
					t.Errorf("error %v does not wrap ErrInvalidURL", err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOrgURL(%q): %v", tt.in, err)
			}
			want := Org{Deployment: tt.dep, Name: tt.name, BaseURL: tt.base, Key: tt.key}
			if got != want {
				t.Errorf("ParseOrgURL(%q)\n got %+v\nwant %+v", tt.in, got, want)
			}
		})
	}
}

// Errors must not repeat credentials a URL may carry in its user info or
// query, nor url.Parse's own text (which repeats the input).
func TestParseOrgURLErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	const pat = "s3cretpat0123456789"
	for _, in := range []string{
		"https://user:" + pat + "@dev.azure.com/",
		"https://" + pat + "@dev.azure.com/_apis",
		"https://" + pat + "@tfs.contoso.example/",
		"https://dev.azure.com/?token=" + pat,
		pat + "@dev.azure.com/contoso",
		"https://user:" + pat + "@dev.azure.com/%zz",
		"ftp://" + pat + "@dev.azure.com/contoso",
		"https://host:" + pat + "/tfs/x",
	} {
		_, err := ParseOrgURL(in)
		if err == nil {
			t.Errorf("ParseOrgURL(%q) succeeded, want an error", in)
			continue
		}
		if strings.Contains(err.Error(), pat) {
			t.Errorf("error for %q leaks the credential: %v", in, err)
		}
	}
}

func TestSameOrg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://dev.azure.com/contoso", "https://contoso.visualstudio.com", true},
		{"https://dev.azure.com/contoso/", "https://contoso.visualstudio.com/DefaultCollection", true},
		{"https://dev.azure.com/Contoso", "https://CONTOSO.visualstudio.com/", true},
		{"https://dev.azure.com/contoso", "https://dev.azure.com/contoso/Fabrikam/_git/web-app", true},
		{"https://dev.azure.com/contoso", "https://dev.azure.com/fabrikam", false},
		{"https://dev.azure.com/contoso", "https://contoso2.visualstudio.com", false},
		{"https://tfs.contoso.example/tfs/DefaultCollection", "https://TFS.contoso.example/tfs/defaultcollection/", true},
		{"https://tfs.contoso.example/tfs/DefaultCollection", "https://tfs.contoso.example:443/tfs/DefaultCollection", true},
		{"https://tfs.contoso.example/tfs/DefaultCollection", "https://tfs.contoso.example/tfs/Other", false},
		{"https://tfs.contoso.example/tfs/DefaultCollection", "http://tfs.contoso.example/tfs/DefaultCollection", false},
		{"http://tfs:8080/tfs/DefaultCollection", "http://tfs:8081/tfs/DefaultCollection", false},
		// An on-premises collection is never a Services organization, whatever its name.
		{"https://tfs.contoso.example/contoso", "https://dev.azure.com/contoso", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			t.Parallel()
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				got, err := SameOrg(pair[0], pair[1])
				if err != nil {
					t.Fatalf("SameOrg(%q, %q): %v", pair[0], pair[1], err)
				}
				if got != tt.same {
					t.Errorf("SameOrg(%q, %q) = %v, want %v", pair[0], pair[1], got, tt.same)
				}
			}
		})
	}
	if _, err := SameOrg("https://dev.azure.com/contoso", "not a url"); err == nil {
		t.Error("SameOrg with an invalid URL: want an error")
	}
	if _, err := SameOrg("", "https://dev.azure.com/contoso"); err == nil {
		t.Error("SameOrg with an empty URL: want an error")
	}
}

func TestParseRepoURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in            string
		key           string
		project, repo string
		wantErr       string
	}{
		{in: "https://dev.azure.com/contoso/Fabrikam/_git/web-app", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/web-app", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://dev.azure.com/contoso/Fabrikam%20Fiber/_git/web%20app", key: "services:contoso", project: "Fabrikam Fiber", repo: "web app"},
		{in: "https://dev.azure.com/contoso/_git/web-app", key: "services:contoso", project: "web-app", repo: "web-app"},
		{in: "https://dev.azure.com/contoso/Fabrikam/_git/_optimized/web-app", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://dev.azure.com/contoso/Fabrikam/_git/web-app/pullrequest/42", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://contoso.visualstudio.com/Fabrikam/_git/web-app", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/_git/web-app", key: "services:contoso", project: "Fabrikam", repo: "web-app"},
		{in: "https://contoso.visualstudio.com/_git/web-app", key: "services:contoso", project: "web-app", repo: "web-app"},
		{in: "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam/_git/web-app", key: "server:https://tfs.contoso.example/tfs/defaultcollection", project: "Fabrikam", repo: "web-app"},
		{in: "https://tfs.contoso.example/tfs/DefaultCollection/_git/web-app", key: "server:https://tfs.contoso.example/tfs/defaultcollection", project: "web-app", repo: "web-app"},
		{in: "http://build01:8080/tfs/DefaultCollection/Fabrikam/_GIT/web-app", key: "server:http://build01:8080/tfs/defaultcollection", project: "Fabrikam", repo: "web-app"},
		{in: "https://ado.contoso.example/Main/Fabrikam/_git/web-app", key: "server:https://ado.contoso.example/main", project: "Fabrikam", repo: "web-app"},

		{in: "https://dev.azure.com/contoso/Fabrikam", wantErr: "no /_git/ segment"},
		{in: "https://dev.azure.com/contoso/Fabrikam/_git", wantErr: "no repository name"},
		{in: "https://dev.azure.com/contoso/Fabrikam/_git/", wantErr: "no repository name"},
		{in: "https://dev.azure.com/contoso/a/b/_git/web-app", wantErr: "unexpected path before /_git/"},
		{in: "https://github.com/contoso/web-app", wantErr: "no /_git/ segment"},
		{in: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app", wantErr: "SSH remote"},
		{in: "https://dev.azure.com/", wantErr: "no organization"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			org, project, repo, err := ParseRepoURI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRepoURI(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRepoURI(%q): %v", tt.in, err)
			}
			if org.Key != tt.key || project != tt.project || repo != tt.repo {
				t.Errorf("ParseRepoURI(%q) = (%q, %q, %q), want (%q, %q, %q)", tt.in, org.Key, project, repo, tt.key, tt.project, tt.repo)
			}
		})
	}
}

func TestEntitlementBaseURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://dev.azure.com/contoso":                      "https://vsaex.dev.azure.com/contoso",
		"https://contoso.visualstudio.com/DefaultCollection": "https://vsaex.dev.azure.com/contoso",
		"https://tfs.contoso.example/tfs/DefaultCollection":  "",
	} {
		org, err := ParseOrgURL(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := org.EntitlementBaseURL(); got != want {
			t.Errorf("%s: EntitlementBaseURL() = %q, want %q", in, got, want)
		}
	}
}
