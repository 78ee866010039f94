package azdo

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheckRecordURL(t *testing.T) {
	t.Parallel()
	type want struct {
		kinds     []RecordURLKind
		corrected string
		redirect  bool // some problem depends on redirects
		uncertain bool // every problem is uncertain
		words     string
	}
	tests := []struct {
		name, in, known string
		want            want
	}{
		// Right shapes.
		{name: "services", in: "https://dev.azure.com/contoso"},
		{name: "services trailing slash", in: "https://dev.azure.com/contoso/"},
		{name: "services spaces", in: "  https://dev.azure.com/contoso  "},
		{name: "legacy host", in: "https://contoso.visualstudio.com"},
		{name: "legacy DefaultCollection", in: "https://contoso.visualstudio.com/DefaultCollection/"},
		{name: "server tfs", in: "https://tfs.contoso.example/tfs/DefaultCollection"},
		{name: "server http is fine", in: "http://build01:8080/tfs/DefaultCollection"},
		{name: "server no tfs", in: "https://ado.contoso.example/Main"},
		{name: "server virtual directory known", in: "https://ado.contoso.example/azdo/Main", known: "https://ado.contoso.example/azdo/Main/"},
		// A collection named "tfs" at the server's root: the convention
		// reads /tfs as the virtual directory, the pipeline knows better.
		{name: "server collection named tfs, known", in: "https://ado.contoso.example/tfs", known: "https://ado.contoso.example/tfs/"},

		// Below the root.
		{name: "services project", in: "https://dev.azure.com/contoso/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://dev.azure.com/contoso", words: "/Fabrikam"}},
		{name: "services repository", in: "https://dev.azure.com/contoso/Fabrikam/_git/web-app",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://dev.azure.com/contoso", words: "Fabrikam/_git/web-app"}},
		{name: "clone URL with user", in: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/web-app",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://dev.azure.com/contoso"}},
		{name: "services _apis", in: "https://dev.azure.com/contoso/_apis/projects",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://dev.azure.com/contoso"}},
		{name: "legacy project", in: "https://contoso.visualstudio.com/DefaultCollection/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://contoso.visualstudio.com"}},
		{name: "server tfs project", in: "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://tfs.contoso.example/tfs/DefaultCollection"}},
		{name: "server git path", in: "https://ado.contoso.example/Main/Fabrikam/_git/web-app",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/Main"}},
		{name: "server ambiguous", in: "https://ado.contoso.example/Main/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/Main", uncertain: true, words: "virtual directory"}},
		{name: "server ambiguous settled by the pipeline", in: "https://ado.contoso.example/Main/Fabrikam", known: "https://ado.contoso.example/Main/",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/Main"}},
		{name: "server collection named tfs, project below it", in: "https://ado.contoso.example/tfs/Fabrikam", known: "https://ado.contoso.example/tfs/",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/tfs"}},
		{name: "server known root elsewhere keeps the convention", in: "https://ado.contoso.example/Main/Fabrikam", known: "https://other.example/Main",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/Main", uncertain: true}},
		{name: "server virtual directory project", in: "https://ado.contoso.example/azdo/Main/Fabrikam", known: "https://ado.contoso.example/azdo/Main",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot}, corrected: "https://ado.contoso.example/azdo/Main"}},

		// Query, fragment, doubled slash.
		{name: "query", in: "https://dev.azure.com/contoso?path=/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLQuery}, corrected: "https://dev.azure.com/contoso"}},
		{name: "fragment", in: "https://dev.azure.com/contoso#x",
			want: want{kinds: []RecordURLKind{RecordURLQuery}, corrected: "https://dev.azure.com/contoso"}},
		{name: "empty query", in: "https://dev.azure.com/contoso?",
			want: want{kinds: []RecordURLKind{RecordURLQuery}, corrected: "https://dev.azure.com/contoso"}},
		{name: "double slash before org", in: "https://dev.azure.com//contoso",
			want: want{kinds: []RecordURLKind{RecordURLDoubleSlash}, corrected: "https://dev.azure.com/contoso", words: "//"}},
		{name: "double trailing slash", in: "https://dev.azure.com/contoso//",
			want: want{kinds: []RecordURLKind{RecordURLDoubleSlash}, corrected: "https://dev.azure.com/contoso"}},
		{name: "server double slash", in: "https://tfs.contoso.example/tfs//DefaultCollection",
			want: want{kinds: []RecordURLKind{RecordURLDoubleSlash}, corrected: "https://tfs.contoso.example/tfs/DefaultCollection"}},

		// Plain HTTP for Services.
		{name: "http services", in: "http://dev.azure.com/contoso",
			want: want{kinds: []RecordURLKind{RecordURLPlainHTTP}, corrected: "https://dev.azure.com/contoso", redirect: true, words: "clear text"}},
		{name: "http legacy", in: "http://contoso.visualstudio.com",
			want: want{kinds: []RecordURLKind{RecordURLPlainHTTP}, corrected: "https://contoso.visualstudio.com", redirect: true}},
		{name: "http and project", in: "http://dev.azure.com/contoso/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLBelowRoot, RecordURLPlainHTTP}, corrected: "https://dev.azure.com/contoso", redirect: true}},

		// Missing, no collection, invalid.
		{name: "missing", in: "", want: want{kinds: []RecordURLKind{RecordURLMissing}, words: "8.6"}},
		{name: "blank", in: "   ", want: want{kinds: []RecordURLKind{RecordURLMissing}}},
		{name: "server no collection", in: "https://tfs.contoso.example",
			want: want{kinds: []RecordURLKind{RecordURLNoCollection}, words: "https://tfs.contoso.example/DefaultCollection"}},
		{name: "server only tfs", in: "https://tfs.contoso.example:8080/tfs/",
			want: want{kinds: []RecordURLKind{RecordURLNoCollection}, words: "https://tfs.contoso.example:8080/DefaultCollection"}},
		{name: "no scheme", in: "dev.azure.com/contoso",
			want: want{kinds: []RecordURLKind{RecordURLInvalid}, corrected: "https://dev.azure.com/contoso", words: "no scheme"}},
		{name: "no scheme with project", in: "dev.azure.com/contoso/Fabrikam",
			want: want{kinds: []RecordURLKind{RecordURLInvalid}, corrected: "https://dev.azure.com/contoso"}},
		{name: "service host", in: "https://vssps.dev.azure.com/contoso",
			want: want{kinds: []RecordURLKind{RecordURLInvalid}, words: "service host"}},
		{name: "no organization", in: "https://dev.azure.com/",
			want: want{kinds: []RecordURLKind{RecordURLInvalid}, words: "no organization"}},
		{name: "ftp", in: "ftp://dev.azure.com/contoso",
			want: want{kinds: []RecordURLKind{RecordURLInvalid}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CheckRecordURL(tt.in, tt.known)
			var kinds []RecordURLKind
			redirect, uncertain := false, len(got.Problems) > 0
			for _, p := range got.Problems {
				kinds = append(kinds, p.Kind)
				redirect = redirect || p.DependsOnRedirects
				uncertain = uncertain && p.Uncertain
				if p.Explanation == "" {
					t.Errorf("%s without explanation", p.Kind)
				}
			}
			if !reflect.DeepEqual(kinds, tt.want.kinds) {
				t.Fatalf("kinds %v, want %v (%s)", kinds, tt.want.kinds, got.Explain())
			}
			if got.OK() != (len(tt.want.kinds) == 0) {
				t.Errorf("OK() = %v", got.OK())
			}
			if got.Corrected != tt.want.corrected {
				t.Errorf("corrected %q, want %q", got.Corrected, tt.want.corrected)
			}
			if redirect != tt.want.redirect {
				t.Errorf("depends on redirects: %v, want %v", redirect, tt.want.redirect)
			}
			if uncertain != tt.want.uncertain || got.Certain() == tt.want.uncertain && len(kinds) > 0 {
				t.Errorf("uncertain: %v, want %v", uncertain, tt.want.uncertain)
			}
			if !strings.Contains(got.Explain(), tt.want.words) {
				t.Errorf("explanation %q does not say %q", got.Explain(), tt.want.words)
			}
			for _, k := range tt.want.kinds {
				if !got.Has(k) {
					t.Errorf("Has(%s) = false", k)
				}
			}
			if got.OK() && got.Org.BaseURL == "" {
				t.Errorf("a right URL names no organization")
			}
		})
	}
}

// TestRecordURLFails: the severity both sonar.devops-config and the audit
// give a wrong shape.
func TestRecordURLFails(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		follows bool // SonarQube follows redirects (before 2025.1)
		want    bool
	}{
		{"https://dev.azure.com/contoso", false, false},
		{"http://dev.azure.com/contoso", false, true},               // no redirects followed: every call fails
		{"http://dev.azure.com/contoso", true, false},               // reaches Azure DevOps through the redirect
		{"http://dev.azure.com/contoso/Fabrikam", true, true},       // below the root whatever the redirects
		{"https://ado.contoso.example/Main/Fabrikam", false, false}, // rests on a convention
	} {
		if got := CheckRecordURL(tt.in, "").Fails(tt.follows); got != tt.want {
			t.Errorf("%s, follows redirects %v: Fails = %v, want %v", tt.in, tt.follows, got, tt.want)
		}
	}
}

// TestCheckRecordURLHidesCredentials: a record URL may carry a PAT in its
// user info or query; no explanation or correction repeats it.
func TestCheckRecordURLHidesCredentials(t *testing.T) {
	t.Parallel()
	const pat = "s3cr3tPATvalue"
	for _, in := range []string{
		"https://user:" + pat + "@dev.azure.com/contoso/Fabrikam",
		"https://dev.azure.com/contoso?pat=" + pat,
		"https://dev.azure.com/contoso#" + pat,
		"https://" + pat + "@tfs.contoso.example",
		"ftp://u:" + pat + "@dev.azure.com/contoso",
		"https://u:" + pat + "@vssps.dev.azure.com/contoso",
	} {
		got := CheckRecordURL(in, "")
		if got.OK() {
			t.Errorf("%s: no problem found", in)
		}
		if s := got.Explain() + got.Corrected; strings.Contains(s, pat) {
			t.Errorf("%s: output repeats the credential: %s", in, s)
		}
	}
}

func FuzzCheckRecordURL(f *testing.F) {
	for _, s := range []string{
		"https://dev.azure.com/contoso", "http://dev.azure.com/contoso/Fabrikam?x#y", "https://tfs.example//tfs/C/P/_git/r",
		"dev.azure.com/contoso", "", "https://[fd00::1]:8443/tfs", "https://ado.example/Main/Fabrikam",
		"https://ado.example/tfs/Fabrikam",
	} {
		f.Add(s, "")
		f.Add(s, "https://ado.example/Main")
		f.Add(s, "https://ado.example/tfs/")
	}
	f.Fuzz(func(t *testing.T, raw, known string) {
		c := CheckRecordURL(raw, known)
		_, _ = SameOrgAs(raw, known)
		for _, p := range c.Problems {
			if p.Kind == "" || p.Explanation == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
		if c.OK() && c.Org.BaseURL == "" {
			t.Fatalf("%q (known %q) is right but names no organization", raw, known)
		}
		if c.Corrected != "" {
			// A correction is itself a right URL (https for Services), read
			// with the same knowledge of where the collection ends.
			if again := CheckRecordURL(c.Corrected, known); !again.OK() && !again.Has(RecordURLBelowRoot) {
				t.Fatalf("correction %q of %q (known %q) is not right: %s", c.Corrected, raw, known, again.Explain())
			}
		}
	})
}

// The pipeline's collection URL is read whole, so Azure DevOps Server
// collections under a custom virtual directory are told apart, and a path
// below the known root still names it (a shape problem, not another
// collection).
func TestSameOrgAs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, known string
		want       bool
		wantErr    bool
	}{
		{"https://ado.contoso.example/azdo/Main", "https://ado.contoso.example/azdo/Main/", true, false},
		{"https://ado.contoso.example/azdo/main/Fabrikam", "https://ado.contoso.example/azdo/Main/", true, false},
		{"https://ado.contoso.example/azdo/Main", "https://ado.contoso.example/azdo/Other/", false, false},
		{"https://ado.contoso.example/azdo", "https://ado.contoso.example/azdo/Main/", false, false},
		{"https://tfs.contoso.example/tfs/DefaultCollection", "https://tfs.contoso.example/tfs/DefaultCollection/", true, false},
		{"https://tfs.contoso.example/DefaultCollection", "https://tfs.contoso.example/tfs/DefaultCollection/", false, false},
		{"https://other.example/azdo/Main", "https://ado.contoso.example/azdo/Main/", false, false},
		{"https://tfs.contoso.example", "https://tfs.contoso.example/tfs/DefaultCollection/", false, true},
		{"https://ado.contoso.example/tfs", "https://ado.contoso.example/tfs/", true, false}, // a collection named tfs
		{"https://ado.contoso.example/tfs/", "https://ado.contoso.example/Main/", false, true},
		// Services: as SameOrg.
		{"https://contoso.visualstudio.com/DefaultCollection", "https://dev.azure.com/contoso/", true, false},
		{"https://dev.azure.com/contoso/Fabrikam", "https://dev.azure.com/contoso/", true, false},
		{"https://dev.azure.com/northwind", "https://dev.azure.com/contoso/", false, false},
	}
	for _, tt := range tests {
		got, err := SameOrgAs(tt.raw, tt.known)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("SameOrgAs(%q, %q) = %v, %v; want %v (error %v)", tt.raw, tt.known, got, err, tt.want, tt.wantErr)
		}
	}
}

// Azure DevOps Server is often reached by several names: the same collection
// path on another host may be the same collection, which the URLs alone
// cannot tell.
func TestSameCollectionElsewhere(t *testing.T) {
	t.Parallel()
	const known = "https://tfs.contoso.example/tfs/DefaultCollection/"
	tests := []struct {
		raw  string
		want bool
	}{
		{"http://tfs01:8080/tfs/DefaultCollection", true},
		{"http://tfs01:8080/tfs/defaultcollection/Fabrikam", true},
		{"http://tfs.contoso.example/tfs/DefaultCollection", true},   // another scheme
		{"https://tfs.contoso.example/tfs/DefaultCollection", false}, // the same: SameOrgAs says so
		{"http://tfs01:8080/tfs/Archive", false},
		{"https://dev.azure.com/contoso", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := SameCollectionElsewhere(tt.raw, known); got != tt.want {
			t.Errorf("SameCollectionElsewhere(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
	if SameCollectionElsewhere("http://tfs01/tfs/DefaultCollection", "https://dev.azure.com/contoso") {
		t.Error("a Services organization has no other host names")
	}
}
