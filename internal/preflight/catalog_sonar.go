package preflight

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/sonar"
)

// minSupported is the oldest SonarQube release SonarSource still supports
// (9.9 LTA); the Web API facts this tool relies on hold from there on.
var minSupported = sonar.Version{Major: 9, Minor: 9}

// tokenExpiryWarning is how far ahead an expiring token is reported.
const tokenExpiryWarning = 14 * 24 * time.Hour

func (r *run) sonarChecks() []Check {
	return []Check{
		{ID: IDSonarServer, Title: "SonarQube server", Needs: []string{IDConfig}, Run: r.checkServer},
		{ID: IDSonarEdition, Title: "SonarQube edition", Needs: []string{IDSonarServer}, Run: r.checkEdition},
		{ID: IDSonarToken, Title: "SonarQube token", Needs: []string{IDSonarServer}, Run: r.checkToken},
		{ID: IDSonarBaseURL, Title: "Server base URL", Needs: []string{IDSonarToken}, Run: r.checkBaseURL},
		{ID: IDSonarDevOps, Title: "DevOps Platform configuration", Needs: []string{IDSonarToken}, Run: r.checkDevOpsConfig},
		{ID: IDSonarBinding, Title: "Project binding", Needs: []string{IDSonarToken}, Run: r.checkBinding},
		{ID: IDSonarDevOpsPAT, Title: "Stored DevOps credentials", Needs: []string{IDSonarDevOps, IDSonarBinding}, Run: r.checkDevOpsPAT},
	}
}

func (r *run) checkConfig(ctx context.Context) Finding {
	c := r.cfg
	if len(c.Problems) > 0 {
		var msg, rem []string
		for _, p := range c.Problems {
			where := p.Field
			if p.Source != "" {
				where += " (" + p.Source + ")"
			}
			msg = append(msg, where+": "+p.Message)
			if p.Remedy != "" {
				rem = append(rem, p.Remedy)
			}
		}
		head := "1 configuration problem:"
		if len(msg) > 1 {
			head = fmt.Sprintf("%d configuration problems:", len(msg))
		}
		return Finding{Status: Fail, Message: head + "\n- " + strings.Join(msg, "\n- "), Remedy: strings.Join(uniqStrings(rem), "\n"),
			Notes: c.Notes}
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("SonarQube %s, project %s.", c.SonarURL, c.ProjectKey)}
	f.Notes = append(f.Notes, fmt.Sprintf("Server URL from %s, token from %s, project key from %s.",
		c.From("SONAR_HOST_URL"), c.From("SONAR_TOKEN"), c.From("SONAR_PROJECT_KEY")))
	f.Notes = append(f.Notes, c.Notes...)
	p := c.Pipeline
	switch {
	case !p.InPipeline && p.CollectionURI == "":
		f.Notes = append(f.Notes, "No Azure Pipelines variables: running outside a pipeline, so organization, project and repository comparisons are not made.")
	case p.RepoProvider == "" && p.HostType == "release":
		f.Notes = append(f.Notes, "Release pipeline without repository variables: the repository comparison is not made.")
	}
	if p.CollectionURI != "" && (p.TeamProject == "" || p.RepoName == "") {
		f.Notes = append(f.Notes, "Some pipeline variables are absent (SYSTEM_TEAMPROJECT or BUILD_REPOSITORY_NAME); what they would prove is reported as not compared.")
	}
	if c.AdminToken.Empty() {
		f.Notes = append(f.Notes, "No admin token: checks that need Administer System use the main token.")
	}
	f.Notes = append(f.Notes, r.proxyNotes()...)
	return f
}

func (r *run) getStatus(ctx context.Context) (*sonar.Status, error) {
	return r.status.get(ctx, r.sonar.Status)
}

// sonarVersion is the server's version from api/system/status (sonar.server's
// answer), zero when it is unknown.
func (r *run) sonarVersion(ctx context.Context) sonar.Version {
	st, err := r.getStatus(ctx)
	if err != nil {
		return sonar.Version{}
	}
	v, _ := sonar.ParseVersion(st.Version) // zero when it cannot be read
	return v
}

func (r *run) checkServer(ctx context.Context) Finding {
	st, err := r.getStatus(ctx)
	if err != nil {
		// "talk to", not "reach": a proxy's sign-in page or an HTML error
		// also ends here, and then the server's address was reached.
		return r.sonarFailure(err, "talk to the SonarQube server")
	}
	ev := []Evidence{{Request: "GET " + r.cfg.SonarURL + "/api/system/status", Status: 200, Message: "status " + st.Status}}
	if st.Status != "UP" {
		msg, rem := statusAdvice(st.Status, r.cfg.SonarURL)
		return Finding{Status: Fail, Message: msg, Remedy: rem, Evidence: ev}
	}
	raw := st.Version
	if raw == "" {
		// Some builds hide the version from anonymous callers (SONAR-15978).
		raw, err = r.sonar.ServerVersion(ctx)
		if err != nil {
			return Finding{Status: Warn, Message: "SonarQube is UP, but its version could not be read, so support could not be verified.",
				Remedy: "Check that " + r.cfg.SonarURL + "/api/server/version answers with a version number.", Evidence: ev}
		}
	}
	v, err := sonar.ParseVersion(raw)
	if err != nil {
		return Finding{Status: Warn, Message: fmt.Sprintf("SonarQube is UP, but its version %q is not one this tool understands; support could not be verified.", raw),
			Remedy: "Report the version string to the sonar-preflight maintainers.", Evidence: ev}
	}
	if v.Less(minSupported) {
		return Finding{Status: Warn, Message: fmt.Sprintf("SonarQube %s is UP but older than 9.9 LTA, the oldest release SonarSource supports; the Web API answers this tool relies on may differ.", v),
			Remedy: "Upgrade SonarQube to 9.9 LTA or newer.", Evidence: ev}
	}
	return Finding{Status: Pass, Message: fmt.Sprintf("SonarQube %s is UP.", v), Evidence: ev}
}

// statusAdvice explains a status other than UP; base is the server's URL.
func statusAdvice(s, base string) (string, string) {
	switch s {
	case "STARTING":
		return "SonarQube is still starting (status STARTING): analysis submitted now would fail.", "Wait until the server reports UP, then run the pipeline again; if it stays STARTING, read SonarQube's web.log and es.log."
	case "DOWN":
		return "SonarQube reports status DOWN: it cannot serve analyses.", "A SonarQube administrator must read the server logs (sonar.log, web.log) and restart it."
	case "RESTARTING":
		return "SonarQube is restarting (status RESTARTING).", "Wait until the server reports UP, then run the pipeline again."
	case "DB_MIGRATION_NEEDED":
		return "SonarQube needs a database migration after an upgrade (status DB_MIGRATION_NEEDED): it serves no analysis until then.", "A SonarQube administrator must open " + base + "/setup and start the migration, as SonarQube's upgrade guide says."
	case "DB_MIGRATION_RUNNING":
		return "SonarQube is migrating its database (status DB_MIGRATION_RUNNING).", "Wait until the migration finishes and the server reports UP."
	}
	return fmt.Sprintf("SonarQube reports status %q instead of UP.", s), "A SonarQube administrator must check the server's logs."
}

func (r *run) getCurrent(ctx context.Context) (*sonar.CurrentUser, error) {
	return r.current.get(ctx, r.sonar.CurrentUser)
}

// getAdminUser is the admin token's user, or the main token's when none was given.
func (r *run) getAdminUser(ctx context.Context) (*sonar.CurrentUser, error) {
	if r.cfg.AdminToken.Empty() {
		return r.getCurrent(ctx)
	}
	return r.adminUser.get(ctx, r.sonarAdmin.CurrentUser)
}

func (r *run) checkToken(ctx context.Context) Finding {
	var (
		wg       sync.WaitGroup
		valid    bool
		validErr error
		admin    *sonar.CurrentUser
		adminErr error
	)
	goSafe(&wg, func() { valid, validErr = r.sonar.ValidateToken(ctx) }, func() { validErr = errPanicked })
	if !r.cfg.AdminToken.Empty() {
		goSafe(&wg, func() { admin, adminErr = r.getAdminUser(ctx) }, func() { adminErr = errPanicked })
	}
	user, userErr := r.getCurrent(ctx)
	wg.Wait()

	kind := sonar.KindOfToken(r.cfg.SonarToken.Value())
	if userErr != nil && sonar.IsUnauthorized(userErr) || validErr == nil && !valid {
		f := Finding{Status: Fail,
			Message: "SonarQube rejected the token (api/authentication/validate says valid=false, or the API answered 401): it is expired, revoked, mistyped, or was generated on another SonarQube server.",
			Remedy:  "Generate a new user token in SonarQube (My Account > Security > Generate Tokens, type User Token) and put it in " + r.tokenPlace() + "."}
		f.Evidence = append(f.Evidence, evidenceOf(userErr)...)
		return f
	}
	if userErr != nil {
		return r.sonarFailure(userErr, "read the token's user (api/users/current)")
	}
	if validErr != nil {
		return r.sonarFailure(validErr, "validate the token (api/authentication/validate)")
	}
	if !user.IsLoggedIn {
		return Finding{Status: Fail,
			Message:  "The token was not recognised: SonarQube answered as an anonymous user. api/authentication/validate still says valid=true because this server does not force authentication (sonar.forceAuthentication=false), which hides bad tokens.",
			Remedy:   "Generate a new user token (My Account > Security) and put it in " + r.tokenPlace() + ". Consider enabling Administration > Configuration > General Settings > Security > Force user authentication.",
			Evidence: []Evidence{{Request: "GET " + r.cfg.SonarURL + "/api/users/current", Status: 200, Message: "isLoggedIn=false"}}}
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("The token is accepted; it belongs to %s.", user.Login)}
	if kind.IsAnalysis() {
		if r.cfg.AdminToken.Empty() {
			f.Notes = append(f.Notes, fmt.Sprintf("This is a %s: it can run analyses but has no administration permissions, so the DevOps Platform checks need an admin token (a user token of an administrator) in %s.", kind, r.givePlace("SONAR_ADMIN_TOKEN")))
		} else {
			f.Notes = append(f.Notes, fmt.Sprintf("This is a %s: it can run analyses but has no administration permissions; the DevOps Platform checks use the admin token.", kind))
		}
	}
	if !user.TokenExpiration.IsZero() {
		left := user.TokenExpiration.Sub(r.d.Now())
		if left < tokenExpiryWarning {
			f.Status = Warn
			f.Message = fmt.Sprintf("The token is accepted but expires on %s (%s).", user.TokenExpiration.UTC().Format("2006-01-02 15:04 MST"), humanDays(left))
			f.Remedy = "Generate a new user token before then (My Account > Security) and put it in " + r.tokenPlace() + "."
		} else {
			f.Notes = append(f.Notes, "The token expires on "+user.TokenExpiration.UTC().Format("2006-01-02")+".")
		}
	}
	if !r.cfg.AdminToken.Empty() {
		switch {
		case adminErr != nil && sonar.IsUnauthorized(adminErr):
			return Finding{Status: Fail, Message: "SonarQube rejected the admin token (from " + r.cfg.From("SONAR_ADMIN_TOKEN") + "): it is expired, revoked or mistyped.",
				Remedy: "Generate a new user token for an account with Administer System and put it in " + r.secretPlace("SONAR_ADMIN_TOKEN") + ".", Evidence: evidenceOf(adminErr)}
		case adminErr != nil:
			return r.sonarFailure(adminErr, "read the admin token's user")
		case !admin.IsLoggedIn:
			return Finding{Status: Fail, Message: "The admin token (from " + r.cfg.From("SONAR_ADMIN_TOKEN") + ") was not recognised: SonarQube answered as an anonymous user.",
				Remedy: "Generate a new user token for an account with Administer System and put it in " + r.secretPlace("SONAR_ADMIN_TOKEN") + "."}
		case !admin.HasGlobal("admin"):
			f.Notes = append(f.Notes, fmt.Sprintf("The admin token belongs to %s, who lacks Administer System: the DevOps Platform checks may not be verifiable.", admin.Login))
		default:
			f.Notes = append(f.Notes, fmt.Sprintf("The admin token is accepted; it belongs to %s (Administer System).", admin.Login))
		}
	}
	return f
}

// tokenPlace names where the token this run used came from, for a remedy
// that says where to put a new one.
func (r *run) tokenPlace() string {
	src := r.cfg.Sources["SONAR_TOKEN"]
	switch {
	case strings.HasPrefix(src, "ENDPOINT_AUTH_PARAMETER_"):
		return "the SonarQube service connection's Token field (Project settings > Service connections)"
	case src == "SONAR_TOKEN" && r.cfg.Pipeline.InPipeline:
		return "the SONAR_TOKEN variable this pipeline sets (as a secret variable, or from a variable group or key vault)"
	case src == "SONAR_TOKEN":
		return "the SONAR_TOKEN environment variable"
	case src != "":
		return src
	}
	return "the SonarQube service connection's Token field, or SONAR_TOKEN outside a task"
}

// humanDays says how far off an expiry is, to the nearest day: a token
// that expires in 6 days and 23 hours expires "in 7 days", not 6.
func humanDays(d time.Duration) string {
	switch {
	case d <= 0:
		return "already expired"
	case d < 24*time.Hour:
		return "in less than a day"
	}
	return inDays(int(math.Round(d.Hours() / 24)))
}

const baseURLPlace = "Administration > Configuration > General Settings > General > Server base URL"

// checkBaseURL judges the server base URL SonarQube really uses. Values
// from sonar.properties, the environment (SONAR_CORE_SERVERBASEURL) or -D
// override the UI's, and api/settings/values shows only the UI (database)
// layer (ValuesAction.java); api/system/info, which needs Administer System,
// shows the effective value (SettingsSection.java). So with Administer
// System the effective value is judged; without it, an unset or bad UI value
// is only a warning, for sonar.properties may set or override it unseen.
func (r *run) checkBaseURL(ctx context.Context) Finding {
	const key = sonar.KeyServerBaseURL
	var (
		wg       sync.WaitGroup
		info     sonar.SystemSettings
		infoErr  error
		askInfo  bool
		adminWho string
	)
	if u, err := r.getAdminUser(ctx); err == nil && u.HasGlobal(sonar.PermAdmin) {
		askInfo, adminWho = true, u.Login
		goSafe(&wg, func() { info, infoErr = r.sonarAdmin.SystemInfoSettings(ctx) }, func() { infoErr = errPanicked })
	}
	ui, uiSet, uiErr := r.sonar.Setting(ctx, key)
	wg.Wait()
	uiSet = uiSet && strings.TrimSpace(ui) != ""

	var ev []Evidence
	if uiErr == nil {
		msg := "not set"
		if uiSet {
			msg = ui
		}
		ev = append(ev, Evidence{Request: "GET " + r.cfg.SonarURL + "/api/settings/values?keys=" + key, Status: 200, Message: "UI value: " + msg})
	}
	if askInfo && infoErr == nil {
		eff, set := info.BaseURL()
		msg := "effective value: not set"
		if set {
			msg = "effective value: " + eff
		}
		ev = append(ev, Evidence{Request: "GET " + r.cfg.SonarURL + "/api/system/info", Status: 200, Message: msg})
		return r.judgeEffectiveBaseURL(info, ui, uiSet, uiErr == nil, ev)
	}
	if uiErr != nil {
		return r.sonarFailure(uiErr, "read the server base URL (api/settings/values)")
	}

	// Only the UI layer is visible.
	var notes []string
	why := "this token lacks Administer System, which api/system/info needs"
	if askInfo {
		why = fmt.Sprintf("api/system/info could not be read with %s's token (%s)", adminWho, oneLineErr(infoErr))
		ev = append(ev, evidenceOf(infoErr)...)
	}
	twoWays := "Either set " + baseURLPlace + " to the address users and Azure DevOps reach SonarQube at (e.g. " + r.cfg.SonarURL + "), or, if it is set in sonar.properties or SONAR_CORE_SERVERBASEURL, give an admin token (a user token of an account with Administer System" + r.fromSecret() + ") in " + r.givePlace("SONAR_ADMIN_TOKEN") + " so that the value SonarQube uses can be read."
	if !uiSet {
		return Finding{Status: Warn, Evidence: ev,
			Message: "Could not verify the server base URL (sonar.core.serverBaseURL): it is not set in SonarQube's UI settings, and a value from sonar.properties or the server's environment cannot be seen (" + why + "). If it is unset everywhere, pull-request decoration, quality-gate links and e-mails point nowhere.",
			Remedy:  twoWays}
	}
	f := r.judgeBaseURL(ui)
	f.Evidence = ev
	if f.Status == Fail {
		// Not known to be the effective value: sonar.properties may override it.
		f.Status = Warn
		f.Message += " (This is the UI's value; a value in sonar.properties or the environment would override it and cannot be seen: " + why + ".)"
		f.Remedy += " If sonar.properties or SONAR_CORE_SERVERBASEURL sets a correct value, give an admin token in " + r.givePlace("SONAR_ADMIN_TOKEN") + " so that it can be verified."
		return f
	}
	notes = append(notes, "Read from the UI settings; a value in sonar.properties or the environment would override it and cannot be seen ("+why+").")
	f.Notes = append(f.Notes, notes...)
	return f
}

// judgeEffectiveBaseURL judges the value SonarQube uses (api/system/info),
// naming the UI's value when the two layers differ.
func (r *run) judgeEffectiveBaseURL(info sonar.SystemSettings, ui string, uiSet, uiKnown bool, ev []Evidence) Finding {
	eff, set := info.BaseURL()
	if !set {
		return Finding{Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("The server base URL (sonar.core.serverBaseURL) is not set, neither in the UI nor in sonar.properties or the server's environment, so SonarQube builds its links from %s: pull-request decoration, quality-gate status links and e-mails point at an address no one else can open.", info.FallbackBaseURL()),
			Remedy:  "In SonarQube, set " + baseURLPlace + " to the address users and Azure DevOps reach SonarQube at (e.g. " + r.cfg.SonarURL + "), or set sonar.core.serverBaseURL in sonar.properties (SONAR_CORE_SERVERBASEURL in a container) and restart."}
	}
	f := r.judgeBaseURL(eff)
	f.Evidence = ev
	fromSystem := false
	switch {
	case uiKnown && !uiSet:
		fromSystem = true
		f.Notes = append(f.Notes, "The value comes from sonar.properties, the environment or -D: the UI shows no value, which is expected.")
	case uiKnown && strings.TrimRight(strings.TrimSpace(ui), "/") != strings.TrimRight(strings.TrimSpace(eff), "/"):
		fromSystem = true
		f.Notes = append(f.Notes, fmt.Sprintf("The UI shows %s, but a value from sonar.properties, the environment or -D (%s) overrides it: SonarQube uses %s, and changing the UI value has no effect.", ui, eff, eff))
	}
	if fromSystem && f.Remedy != "" {
		f.Remedy = "Correct sonar.core.serverBaseURL where it is set (sonar.properties, SONAR_CORE_SERVERBASEURL in a container, or a -D option) to the address users and Azure DevOps reach SonarQube at (e.g. " + r.cfg.SonarURL + "), then restart SonarQube: that value overrides the UI's."
	}
	return f
}

// judgeBaseURL judges one base URL value: relative, loopback, another host
// than the pipeline's.
func (r *run) judgeBaseURL(v string) Finding {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Finding{Status: Fail,
			Message: fmt.Sprintf("The server base URL %q is not an absolute http(s) URL, so links SonarQube builds to itself are broken.", v),
			Remedy:  "Set " + baseURLPlace + " to an absolute URL such as https://sonarqube.example.com."}
	}
	if isLoopback(u.Hostname()) {
		return Finding{Status: Fail,
			Message: fmt.Sprintf("The server base URL %s points at the SonarQube machine itself (%s): links in pull requests will not open for anyone else.", v, u.Hostname()),
			Remedy:  "Set " + baseURLPlace + " to the public address of SonarQube, the one users reach (e.g. " + r.cfg.SonarURL + ")."}
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("The server base URL is %s.", v)}
	if pu, err := url.Parse(r.cfg.SonarURL); err == nil && !strings.EqualFold(pu.Hostname(), u.Hostname()) {
		f.Status = Warn
		f.Message = fmt.Sprintf("The server base URL is %s, but this pipeline reaches SonarQube at %s: links in pull requests use the base URL's host (%s).", v, r.cfg.SonarURL, u.Hostname())
		f.Remedy = "If " + u.Hostname() + " is not reachable by the people reading pull requests, correct " + baseURLPlace + ". If both names reach the same server, nothing needs to change."
	}
	return f
}

func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsUnspecified()
	}
	return false
}

// sonarFailure explains an error from the SonarQube client.
func (r *run) sonarFailure(err error, doing string) Finding {
	return r.describeError("SonarQube", r.cfg.SonarURL, err, doing)
}

// describeError turns a client error into a finding that names the cause.
func (r *run) describeError(service, base string, err error, doing string) Finding {
	f := Finding{Status: Fail, Evidence: evidenceOf(err)}
	host := base
	if u, perr := url.Parse(base); perr == nil && u.Host != "" {
		host = u.Host
	}
	caHelp := "If the server uses a certificate from a private CA, give its CA bundle to the agent: NODE_EXTRA_CA_CERTS or SSL_CERT_FILE (a PEM file), or the agent's --sslcacert option (AGENT_CAINFO)."
	var he *httpx.Error
	errors.As(err, &he)
	switch httpx.KindOf(err) {
	case httpx.KindDNS:
		f.Message = fmt.Sprintf("Could not %s: the host name %s could not be resolved (DNS).", doing, hostOnly(host))
		f.Remedy = "Check the host name in the " + service + " URL for typos. On a self-hosted agent, check that the agent's DNS resolves it (internal names often need the company network or a proxy)."
	case httpx.KindRefused:
		f.Message = fmt.Sprintf("Could not %s: the connection to %s was refused (nothing listens on that port).", doing, host)
		f.Remedy = "Check the port in the " + service + " URL and that the server is running. A refused connection from a Microsoft-hosted agent often means the server is not exposed to the internet."
	case httpx.KindTimeout:
		f.Message = fmt.Sprintf("Could not %s: %s did not answer in time.", doing, host)
		f.Remedy = "Check that the agent can reach " + host + " (firewall, proxy, VPN). If the server is only slow, raise the deadline: " + r.givePlace("SONAR_PREFLIGHT_TIMEOUT") + "."
	case httpx.KindTLS:
		f.Message = fmt.Sprintf("Could not %s: the TLS connection to %s failed certificate verification (%s).", doing, host, tlsReason(err))
		f.Remedy = caHelp + " An expired certificate or one issued for another host name must be fixed on the server."
	case httpx.KindReset:
		f.Message = fmt.Sprintf("Could not %s: the connection to %s was reset or closed before a complete answer.", doing, host)
		f.Remedy = "A proxy, load balancer or firewall between the agent and " + host + " may be dropping the connection; try again, and check its logs."
	case httpx.KindProxy:
		f.Message = fmt.Sprintf("Could not %s: the proxy refused the request (%s).", doing, oneLineErr(err))
		f.Remedy = "Check the agent's proxy settings (AGENT_PROXYURL, AGENT_PROXYUSERNAME and its password), or add " + hostOnly(host) + " to the agent's proxy bypass list."
	case httpx.KindRedirect:
		loc := ""
		if he != nil {
			loc = he.Location
		}
		f.Message = fmt.Sprintf("Could not %s: %s answered with a redirect to %s instead of answering the API.", doing, host, loc)
		f.Remedy = "Use the address the server redirects to in the " + service + " URL (e.g. https:// instead of http://, or the right context path). Credentials are never sent on to a redirect target."
	case httpx.KindDecode:
		f.Message = fmt.Sprintf("Could not %s: the answer was not what %s sends (%s).", doing, service, messageOf(err))
		f.Remedy = "Something other than " + service + " answered: check the URL (and context path), and whether a proxy or single sign-on gateway intercepts the agent's requests."
	case httpx.KindBodyLimit:
		// Name the cap, so the reader can tell a huge answer from a small limit.
		limit := "the size"
		var le *httpx.BodyLimitError
		if errors.As(err, &le) {
			limit = "the " + byteSize(le.Limit)
		}
		f.Message = fmt.Sprintf("Could not %s: the answer was larger than %s this tool accepts.", doing, limit)
		f.Remedy = "Check that the URL points at " + service + " and not at a file server or proxy."
	case httpx.KindCredential:
		// The HTTP client refused to send a credential to a host it does
		// not belong to: nothing was verified, and the message says where
		// the credential may go and how to allow more.
		f.Status = Warn
		f.Message = fmt.Sprintf("Could not %s: %s.", doing, messageOf(err))
		f.Remedy = "Point the check at a host the credential belongs to, or name that host for this run as the message says."
	case httpx.KindCanceled:
		f.Message = fmt.Sprintf("Could not %s: the run was cancelled.", doing)
		f.Remedy = "The run was interrupted (the step was cancelled, or the process received a signal); run it again."
	case httpx.KindStatus:
		f.Message = fmt.Sprintf("Could not %s: %s answered %d %s.", doing, service, he.Status, strings.TrimSpace(he.Message))
		switch {
		case he.Status == 404 && service == "SonarQube":
			f.Remedy = "Check the SonarQube URL: if the server runs under a context path (https://host/sonarqube), include it."
		case he.Status == 404:
			f.Remedy = "Check the " + service + " URL and the names in the request above."
		case he.Status == 401:
			f.Remedy = "The " + service + " credentials were rejected: renew them where they are configured."
		case he.Status >= 500:
			f.Remedy = "The server failed; a " + service + " administrator should look at its logs for this time."
		default:
			f.Remedy = "Check the server's message above."
		}
	default:
		f.Message = fmt.Sprintf("Could not %s: %s.", doing, oneLineErr(err))
		f.Remedy = "Run again with --debug for details."
	}
	return f
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func tlsReason(err error) string {
	s := oneLineErr(err)
	switch {
	case strings.Contains(s, "unknown authority"), strings.Contains(s, "self-signed"), strings.Contains(s, "self signed"):
		return "the certificate is signed by an unknown authority"
	case strings.Contains(s, "expired"), strings.Contains(s, "not yet valid"):
		return "the certificate has expired or is not yet valid"
	case strings.Contains(s, "not valid for"), strings.Contains(s, "certificate is valid for"), // Go: "certificate is valid for a, not b"
		strings.Contains(s, "doesn't contain any IP SANs"):
		return "the certificate was issued for another host name"
	}
	return s
}

// byteSize writes n in MiB when it is a whole number of them.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func messageOf(err error) string {
	var he *httpx.Error
	if errors.As(err, &he) && he.Message != "" {
		return he.Message
	}
	return oneLineErr(err)
}

func oneLineErr(err error) string {
	if err == nil {
		return ""
	}
	return userText(strings.Join(strings.Fields(err.Error()), " "))
}

func evidenceOf(err error) []Evidence {
	var he *httpx.Error
	if !errors.As(err, &he) {
		return nil
	}
	return []Evidence{{Request: he.Method + " " + he.URL, Status: he.Status, Message: he.Message, ActivityID: he.ActivityID}}
}

func uniqStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
