package github

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzHostFromAPIURL: whatever a record or a user writes, an accepted URL
// names an absolute http(s) API with a trailing slash and no user info, on
// a host the input named, and reading that API URL again gives the same
// GitHub (the audit compares hosts by Key); a refusal never repeats user
// info.
func FuzzHostFromAPIURL(f *testing.F) {
	for _, s := range []string{
		"https://api.github.com", "https://github.com/", "https://ghe.example/api/v3", "https://GHE.example:443/API/V3/",
		"http://ghe.internal:8080", "https://api.octocorp.ghe.com", "https://octocorp.ghe.com", "https://[::1]:8443/api/v3",
		"https://user:tok@ghe.example/api/v3", "https://ghe.example/api/v3/../x", "https://ghe.example/%zz", "ghe.example", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := HostFromAPIURL(raw)
		if err != nil {
			// User info is what stands before the host's "@" (a "tok@" in a
			// path is not); the refusal must not repeat it.
			if in, perr := url.Parse(strings.TrimSpace(raw)); perr == nil && in.User != nil && in.User.String() != "" &&
				strings.Contains(err.Error(), in.User.String()+"@") {
				t.Fatalf("the error repeats user info: %v", err)
			}
			if strings.Contains(raw, "user:tok@") && strings.Contains(err.Error(), "tok@") {
				t.Fatalf("the error repeats user info: %v", err)
			}
			return
		}
		u, perr := url.Parse(h.APIURL)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || !strings.HasSuffix(h.APIURL, "/") {
			t.Fatalf("HostFromAPIURL(%q) = %+v: not an absolute API URL", raw, h)
		}
		in, _ := url.Parse(strings.TrimSpace(raw))
		if host := strings.ToLower(strings.TrimSuffix(in.Hostname(), ".")); !strings.Contains(strings.ToLower(u.Hostname()), strings.TrimPrefix(host, "api.")) &&
			!(host == "github.com" || host == "www.github.com") {
			t.Fatalf("HostFromAPIURL(%q) = %+v: a host the input did not name", raw, h)
		}
		again, err := HostFromAPIURL(h.APIURL)
		if err != nil || again != h || again.Key() != h.Key() {
			t.Fatalf("HostFromAPIURL(%q) = %+v, but its API URL reads as %+v, %v", raw, h, again, err)
		}
	})
}
