package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// repoItem is one repository of a listing, in the shape of the "List
// organization repositories" example response (abridged).
func repoItem(id int, owner, name string, private, archived bool) string {
	vis := "public"
	if private {
		vis = "private"
	}
	return fmt.Sprintf(`{"id":%d,"node_id":"R_%d","name":%q,"full_name":"%s/%s","private":%v,"owner":{"login":%q,"id":1,"type":"Organization"},`+
		`"archived":%v,"disabled":false,"visibility":%q,"default_branch":"main"}`, id, id, name, owner, name, private, owner, archived, vis)
}

// listingServer serves GET /orgs/contoso/repos in pages of per_page (Link
// rel="next"/"last" naming id-based URLs, as GitHub's do) and, for users,
// GET /users/octocat/repos; /orgs/octocat/repos answers 404, as GitHub
// answers an organization path for a user account.
func listingServer(t *testing.T, total int, seen *atomic.Int32) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-GitHub-Request-Id", "C0DE:1:2:3:4")
		q := r.URL.Query()
		switch r.URL.Path {
		case "/orgs/contoso/repos":
			if q.Get("type") != "all" || q.Get("per_page") != "100" {
				t.Errorf("listing query %s", r.URL.RawQuery)
			}
		case "/users/octocat/repos":
			if q.Get("type") != "owner" {
				t.Errorf("user listing query %s", r.URL.RawQuery)
			}
			fmt.Fprint(w, "["+repoItem(1, "octocat", "Hello-World", false, false)+"]")
			return
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/repos/repos#list-organization-repositories","status":"404"}`)
			return
		}
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		last := (total + 99) / 100
		if page < last {
			w.Header().Set("Link", fmt.Sprintf(`<%s/organizations/9/repos?page=%d&per_page=100&type=all>; rel="next", <%s/organizations/9/repos?page=%d&per_page=100&type=all>; rel="last"`, srv.URL, page+1, srv.URL, last))
		}
		var items []string
		for i := (page - 1) * 100; i < min(page*100, total); i++ {
			items = append(items, repoItem(1000+i, "contoso", fmt.Sprintf("repo-%d", i), i%3 == 0, i == 5))
		}
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOwnerRepositories(t *testing.T) {
	t.Parallel()
	for _, total := range []int{0, 7, 100, 250} {
		t.Run(fmt.Sprint(total, " repositories"), func(t *testing.T) {
			t.Parallel()
			var seen atomic.Int32
			srv := listingServer(t, total, &seen)
			l, err := dotComClient(t, srv).OwnerRepositories(context.Background(), "contoso")
			if err != nil {
				t.Fatal(err)
			}
			pages := max((total+99)/100, 1)
			if l.Kind != OwnerOrganization || l.Endpoint != "GET /orgs/contoso/repos" || l.Pages != pages || int(seen.Load()) != pages || len(l.Repos) != total || l.PublicOnly || l.Truncated {
				t.Fatalf("listing %+v after %d requests", l, seen.Load())
			}
			if total > 5 {
				r := l.Repos[5]
				if r.ID != 1005 || r.FullName != "contoso/repo-5" || !r.Archived || r.DefaultBranch != "main" || r.Public() == (5%3 == 0) {
					t.Errorf("repository %+v", r)
				}
				if !l.SeesPrivate() {
					t.Error("the listing holds private repositories")
				}
			}
		})
	}
}

func TestOwnerRepositoriesFallsBackToUser(t *testing.T) {
	t.Parallel()
	var seen atomic.Int32
	srv := listingServer(t, 0, &seen)
	c := dotComClient(t, srv)
	l, err := c.OwnerRepositories(context.Background(), "octocat")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != OwnerUser || l.Endpoint != "GET /users/octocat/repos" || !l.PublicOnly || len(l.Repos) != 1 || seen.Load() != 2 {
		t.Errorf("listing %+v after %d requests", l, seen.Load())
	}
	_, err = c.OwnerRepositories(context.Background(), "nobody")
	if Classify(err) != FailureNotFound || !strings.Contains(err.Error(), "/users/nobody/repos") {
		t.Errorf("an unknown owner: %v", err)
	}
	if _, err := c.OwnerRepositories(context.Background(), "bad/owner"); !errors.Is(err, ErrRepoName) {
		t.Errorf("an invalid owner: %v", err)
	}
}

// A listing that never stops at a next page that does not move forward.
func TestOwnerRepositoriesStopsOnALoop(t *testing.T) {
	t.Parallel()
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.Header().Set("Link", `<https://api.github.com/organizations/9/repos?page=1>; rel="next"`)
		w.Header().Set("X-GitHub-SSO", "partial-results; organizations=21955855,20582480")
		fmt.Fprint(w, "["+repoItem(1, "contoso", "a", false, false)+"]")
	}))
	t.Cleanup(srv.Close)
	l, err := dotComClient(t, srv).OwnerRepositories(context.Background(), "contoso")
	if err != nil || seen.Load() != 1 || l.SSOPartial != "21955855,20582480" {
		t.Errorf("listing %+v, %v after %d requests", l, err, seen.Load())
	}
}

// A renamed repository answers 301 with the id-based Location; MovedTo
// reads the id from it and asks this GitHub for it, never another host.
func TestLookupMoved(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/repos/contoso/old-name":
			w.Header().Set("Location", srv.URL+"/repositories/1296269")
			w.WriteHeader(http.StatusMovedPermanently)
			fmt.Fprintf(w, `{"message":"Moved Permanently","url":"%s/repositories/1296269","documentation_url":"https://docs.github.com/v3/#http-redirects"}`, srv.URL)
		case "/repositories/1296269", "/repos/contoso/new-name":
			fmt.Fprint(w, repoItem(1296269, "contoso", "new-name", true, false))
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/repos/repos#get-a-repository","status":"404"}`)
		}
	}))
	t.Cleanup(srv.Close)
	c := dotComClient(t, srv)
	ctx := context.Background()
	if r, err := c.Lookup(ctx, "contoso", "new-name"); err != nil || r.ID != 1296269 || r.Public() {
		t.Fatalf("Lookup = %+v, %v", r, err)
	}
	_, err := c.Lookup(ctx, "contoso", "old-name")
	var e *Error
	if !errors.As(err, &e) || e.Failure != FailureMoved || e.Location == "" {
		t.Fatalf("a renamed repository: %v", err)
	}
	if id, ok := c.MovedID(e.Location); !ok || id != 1296269 {
		t.Errorf("MovedID(%q) = %d, %v", e.Location, id, ok)
	}
	r, err := c.MovedTo(ctx, e.Location)
	if err != nil || r.FullName != "contoso/new-name" {
		t.Errorf("MovedTo = %+v, %v", r, err)
	}
	if _, err := c.Lookup(ctx, "contoso", "gone"); Classify(err) != FailureNotFound {
		t.Errorf("a repository that is not there: %v", err)
	}
	for _, loc := range []string{
		"https://attacker.example/repositories/1296269",
		srv.URL + "/repos/contoso/x",
		srv.URL + "/repositories/12a",
		srv.URL + "/repositories/",
		srv.URL + "/repositories/0",
		"http://[::1/repositories/1",
	} {
		if id, ok := c.MovedID(loc); ok {
			t.Errorf("MovedID(%q) = %d: a place that is not a repository of this GitHub", loc, id)
		}
		if _, err := c.MovedTo(ctx, loc); !errors.Is(err, ErrNotMovedHere) {
			t.Errorf("MovedTo(%q) = %v", loc, err)
		}
	}
}

func TestHostFromAPIURL(t *testing.T) {
	t.Parallel()
	dot := Host{APIURL: "https://api.github.com/", WebHost: "github.com"}
	for _, tc := range []struct {
		raw  string
		want Host
		ok   bool
	}{
		{"https://api.github.com", dot, true},
		{"https://api.github.com/", dot, true},
		{"https://API.GitHub.com", dot, true},
		{"https://github.com", dot, true},
		{"https://ghe.example/api/v3", Host{APIURL: "https://ghe.example/api/v3/", Enterprise: true, WebHost: "ghe.example"}, true},
		{"https://ghe.example/api/v3/", Host{APIURL: "https://ghe.example/api/v3/", Enterprise: true, WebHost: "ghe.example"}, true},
		{"https://GHE.example:443", Host{APIURL: "https://ghe.example/api/v3/", Enterprise: true, WebHost: "ghe.example"}, true},
		{"https://ghe.example:8443/API/V3", Host{APIURL: "https://ghe.example:8443/api/v3/", Enterprise: true, WebHost: "ghe.example:8443"}, true},
		{"https://api.octocorp.ghe.com", Host{APIURL: "https://api.octocorp.ghe.com/", Enterprise: true, WebHost: "octocorp.ghe.com"}, true},
		{"https://octocorp.ghe.com", Host{APIURL: "https://api.octocorp.ghe.com/", Enterprise: true, WebHost: "octocorp.ghe.com"}, true},
		{"http://api.github.com", Host{}, false},
		{"https://api.github.com/api/v3", Host{}, false},
		{"https://api.github.com:8443", Host{}, false},
		{"https://ghe.example/api/v4", Host{}, false},
		{"https://ghe.example/login", Host{}, false},
		{"https://user:tok@ghe.example/api/v3", Host{}, false},
		{"https://ghe.example/api/v3?x=1", Host{}, false},
		{"ftp://ghe.example/api/v3", Host{}, false},
		{"ghe.example/api/v3", Host{}, false},
		{"", Host{}, false},
	} {
		got, err := HostFromAPIURL(tc.raw)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("HostFromAPIURL(%q) = %+v, %v", tc.raw, got, err)
		}
		if err != nil && (!errors.Is(err, ErrAPIURL) || strings.Contains(err.Error(), "tok@")) {
			t.Errorf("HostFromAPIURL(%q): error %v", tc.raw, err)
		}
	}
}
