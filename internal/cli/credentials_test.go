package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/config"
	"sonar-preflight/internal/simulator"
)

// attacker is an HTTPS server that a SonarQube administrator points a
// record or binding at, with a certificate the run trusts: what it
// receives is what a real attacker's host would.
type attacker struct {
	mu       sync.Mutex
	requests []string // "METHOD path Authorization"
	addr     string
	caPEM    []byte
}

func (a *attacker) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.requests...)
}

func startAttacker(t *testing.T, host string) *attacker {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	a := &attacker{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"authenticatedUser":{"id":"8c3b1e2d-4f5a-4b6c-9d7e-0f1a2b3c4d5e","providerDisplayName":"Mallory"}}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	a.addr = srv.Listener.Addr().String()
	return a
}

// trust routes host to the attacker and adds its certificate to the run's
// CA bundle.
func (a *attacker) trust(t *testing.T, env map[string]string, host string) {
	t.Helper()
	bundle, err := os.ReadFile(env["SSL_CERT_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(path, append(bundle, a.caPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	env["SSL_CERT_FILE"] = path
	env["SONAR_PREFLIGHT_RESOLVE"] += "," + host + ":443:" + a.addr
}

// TestPATOnlyToItsOrganization: SonarQube's record and binding point at a
// host the pipeline never named. Without pipeline variables the PAT is not
// sent at all and the check says how to allow it; with them it goes to the
// pipeline's organization only; named explicitly, it goes there. The
// foreign host sees a request only in the last case.
func TestPATOnlyToItsOrganization(t *testing.T) {
	t.Parallel()
	const evil = "attacker.example"
	const evilOrg = "https://" + evil + "/contoso"
	pipelineVars := []string{"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT",
		"BUILD_REPOSITORY_NAME", "BUILD_REPOSITORY_PROVIDER", "BUILD_REPOSITORY_URI", "BUILD_REASON", "SYSTEM_PULLREQUEST_PULLREQUESTID"}
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		recordOnly bool // the binding carries no URL: the only record decides
		want       map[string]string
		says       string // in azdo.pat's message or remedy
		evilSees   bool
	}{
		{name: "binding on a foreign host, no pipeline variables", env: blank(pipelineVars),
			want: map[string]string{"azdo.pat": "skip"}, says: "--organization"},
		{name: "record on a foreign host, no pipeline variables", env: blank(pipelineVars), recordOnly: true,
			want: map[string]string{"azdo.pat": "skip"}, says: "never to a URL taken from SonarQube's data"},
		{name: "record and binding on a foreign host, in a pipeline", env: map[string]string{"TF_BUILD": "True"},
			want: map[string]string{"azdo.pat": "pass", "azdo.code-read": "pass", "sonar.devops-config": "fail", "sonar.binding": "fail"}, says: "dev.azure.com/contoso"},
		{name: "the user names the foreign organization", env: blank(pipelineVars), args: []string{"--organization", evilOrg},
			want: map[string]string{}, says: evil, evilSees: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, _ := simulator.Lookup("azdo-healthy")
			sc.Sonar.AzureRecords = []simulator.SonarAlmRecord{{Key: "ado", URL: evilOrg}}
			b := *sc.Sonar.Binding
			b.URL = evilOrg
			if tt.recordOnly {
				b.URL = ""
			}
			sc.Sonar.Binding = &b
			now := testClock(beforeRetirement)
			sim, env := startScenario(t, sc, now)
			evilSrv := startAttacker(t, evil)
			evilSrv.trust(t, env, evil)
			for k, v := range tt.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			_, stdout, stderr := runApp(t, now, env, append([]string{"--format", "json", "--debug"}, tt.args...)...)
			rep := parseReport(t, stdout)
			for id, w := range tt.want {
				if got := rep.status(id); got != w {
					t.Errorf("%s = %s, want %s (%s)", id, got, w, rep.message(id))
				}
			}
			if !strings.Contains(rep.message("azdo.pat")+" "+rep.remedy("azdo.pat")+" "+strings.Join(rep.notes("azdo.pat"), " "), tt.says) {
				t.Errorf("azdo.pat does not say %q: %s / %s", tt.says, rep.message("azdo.pat"), rep.remedy("azdo.pat"))
			}
			seen := evilSrv.seen()
			if tt.evilSees != (len(seen) > 0) {
				t.Errorf("the foreign host received %d requests, want any: %v", len(seen), tt.evilSees)
			}
			if !tt.evilSees {
				assertNoSecrets(t, secretsOf(sim, env), strings.Join(seen, "\n"))
			}
			assertNoSecrets(t, secretsOf(sim, env), stdout, stderr)
		})
	}
}

// TestGitHubTokenOnlyToItsHost: SonarQube's GitHub record points at a
// foreign host; the GitHub token goes to the repository's GitHub only.
func TestGitHubTokenOnlyToItsHost(t *testing.T) {
	t.Parallel()
	const evil = "ghe.attacker.example"
	sc, _ := simulator.Lookup("github-healthy")
	sc.Sonar.GitHubRecords = append([]simulator.SonarAlmRecord(nil), sc.Sonar.GitHubRecords...)
	for i := range sc.Sonar.GitHubRecords {
		sc.Sonar.GitHubRecords[i].URL = "https://" + evil + "/api/v3"
	}
	now := testClock(beforeRetirement)
	sim, env := startScenario(t, sc, now)
	evilSrv := startAttacker(t, evil)
	evilSrv.trust(t, env, evil)
	_, stdout, stderr := runApp(t, now, env, "--format", "json", "--debug")
	rep := parseReport(t, stdout)
	if rep.status("github.repo") != "pass" || rep.status("sonar.devops-config") != "fail" {
		t.Errorf("github.repo %s, sonar.devops-config %s", rep.status("github.repo"), rep.status("sonar.devops-config"))
	}
	if seen := evilSrv.seen(); len(seen) > 0 {
		t.Errorf("the foreign host received %d requests", len(seen))
	}
	assertNoSecrets(t, secretsOf(sim, env), stdout, stderr)
}

// parsedReport is the JSON report, by check id.
type parsedReport map[string]struct {
	Status, Message, Remedy string
	Notes                   []string
}

func parseReport(t *testing.T, stdout string) parsedReport {
	t.Helper()
	var rep struct {
		Checks []struct {
			ID, Status, Message, Remedy string
			Notes                       []string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not the JSON report: %v\n%s", err, stdout)
	}
	out := parsedReport{}
	for _, c := range rep.Checks {
		out[c.ID] = struct {
			Status, Message, Remedy string
			Notes                   []string
		}{c.Status, c.Message, c.Remedy, c.Notes}
	}
	return out
}

func (p parsedReport) status(id string) string  { return p[id].Status }
func (p parsedReport) message(id string) string { return p[id].Message }
func (p parsedReport) remedy(id string) string  { return p[id].Remedy }
func (p parsedReport) notes(id string) []string { return p[id].Notes }

// TestGitHubTokenDestinationsByProvider: the GitHub token may go to the GitHub
// of a GitHub repository, and nowhere for a repository on another provider,
// whose URI names no GitHub (an Azure Repos URI once became
// https://dev.azure.com/api/v3).
func TestGitHubTokenDestinationsByProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		provider, uri, name string
		want                []string
	}{
		{"GitHub", "https://github.com/contoso/web-app", "contoso/web-app", []string{"https://api.github.com"}},
		{"GitHubEnterprise", "https://ghe.contoso.example/contoso/web-app", "contoso/web-app", []string{"https://ghe.contoso.example/api/v3"}},
		{"TfsGit", "https://dev.azure.com/contoso/Fabrikam/_git/web-app", "web-app", nil},
		{"Bitbucket", "https://bitbucket.org/contoso/web-app", "contoso/web-app", nil},
	} {
		cfg := &config.Config{Pipeline: config.Pipeline{RepoProvider: tc.provider, RepoURI: tc.uri, RepoName: tc.name}}
		var got []string
		for _, c := range credentials(cfg) {
			if c.Name == "the GitHub token" {
				got = c.Allowed
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: GitHub token allowed to %q, want %q", tc.provider, tc.uri, got, tc.want)
		}
	}
}
