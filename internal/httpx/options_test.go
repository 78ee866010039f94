package httpx

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsUnusableOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noCerts := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(noCerts, []byte("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name   string
		opts   Options
		source string
		text   []string // parts of the error text
		hidden string   // must not appear
	}{
		{"missing CA file", Options{CAFiles: []string{missing}, CAFileSources: map[string]string{missing: "NODE_EXTRA_CA_CERTS"}},
			"NODE_EXTRA_CA_CERTS", []string{missing, "cannot read"}, ""},
		{"CA file without certificates", Options{CAFiles: []string{noCerts}, CAFileSources: map[string]string{noCerts: "SSL_CERT_FILE"}},
			"SSL_CERT_FILE", []string{noCerts, "no PEM certificate"}, ""},
		{"CA file of unknown origin", Options{CAFiles: []string{missing}}, "extra CA bundle", []string{missing}, ""},
		{"proxy URL with a bad port", Options{ProxyURL: "http://agent:s3cr3t@proxy.corp:31x8"},
			"AGENT_PROXYURL", []string{"not a valid proxy URL"}, "s3cr3t"},
		{"proxy password outside the URL stays out", Options{ProxyURL: "ftp://proxy.corp", ProxyPassword: "s3cr3t"},
			"AGENT_PROXYURL", []string{`"ftp"`}, "s3cr3t"},
		{"HTTPS_PROXY with a bad port", Options{HTTPSProxy: "http://u:s3cr3t@proxy:x"}, "HTTPS_PROXY", []string{"not a valid"}, "s3cr3t"},
		{"HTTP_PROXY without host", Options{HTTPProxy: "http://"}, "HTTP_PROXY", []string{"no host"}, ""},
		{"resolve without address", Options{Resolve: []string{"sonar.corp:443"}}, "resolve", []string{"host:port:address"}, ""},
		{"resolve with bad port", Options{Resolve: []string{"sonar.corp:https:127.0.0.1"}}, "resolve", []string{"invalid port"}, ""},
		{"resolve to a host name", Options{Resolve: []string{"sonar.corp:443:other.corp:443"}}, "resolve", []string{"not an IP"}, ""},
		{"resolve to garbage", Options{Resolve: []string{"sonar.corp:443:nowhere"}}, "resolve", []string{`"nowhere" is not an IP address`}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.opts)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("err = %v, want *OptionError", err)
			}
			if oe.Source != tc.source {
				t.Errorf("source = %q, want %q", oe.Source, tc.source)
			}
			for _, s := range tc.text {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %q, want it to contain %q", err, s)
				}
			}
			if tc.hidden != "" && strings.Contains(err.Error(), tc.hidden) {
				t.Errorf("err = %q reveals %q", err, tc.hidden)
			}
		})
	}
}

func TestNewDefaultsAndTransport(t *testing.T) {
	t.Parallel()
	c, err := New(Options{Resolve: []string{"sonar.corp:443:[::1]", "dev.azure.com:443:127.0.0.1:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.Transport.(*transport)
	if !ok {
		t.Fatalf("transport is %T", c.Transport)
	}
	if tr.o.RequestTimeout != DefaultRequestTimeout || tr.o.MaxAttempts != DefaultMaxAttempts || tr.o.MaxRetryWait != DefaultMaxRetryWait {
		t.Errorf("defaults = %v, %d, %v", tr.o.RequestTimeout, tr.o.MaxAttempts, tr.o.MaxRetryWait)
	}
	b := tr.base
	if b.MaxIdleConnsPerHost < 8 || !b.ForceAttemptHTTP2 || b.DisableKeepAlives || b.TLSHandshakeTimeout <= 0 || b.TLSHandshakeTimeout > 10*time.Second {
		t.Errorf("transport not tuned: %+v", b)
	}
	if b.Proxy != nil {
		t.Error("a proxy is set although none is configured")
	}
	if c.Timeout != 0 {
		t.Error("client.Timeout set: the caller's context is the overall deadline")
	}
	if err := c.CheckRedirect(&http.Request{}, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("CheckRedirect = %v, want ErrUseLastResponse", err)
	}
}

// A bypass entry Go cannot compile is skipped (ParseBypassList reports it),
// like the agent drops the entries it cannot compile: never an error.
func TestNewAcceptsBypassEntriesGoCannotCompile(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{ProxyURL: "http://proxy.corp:3128", ProxyBypass: []string{`(dev\.azure`, `^https://(?!x)`}}); err != nil {
		t.Errorf("New: %v", err)
	}
}
