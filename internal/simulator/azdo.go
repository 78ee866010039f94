package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Azdo describes the simulated Azure DevOps: Services under its real host
// names (dev.azure.com/{org}, {org}.visualstudio.com, vssps.dev.azure.com,
// vsaex.dev.azure.com, app.vssps.visualstudio.com) and, optionally, an
// Azure DevOps Server. The zero value serves nothing. Answers follow
// shared/reference/azure-devops-pat-diagnostics.md. The valid PAT is
// Servers.PAT, sent as the password of Basic with any user name.
type Azdo struct {
	// Org is the organization's name; "" disables Azure DevOps.
	Org string
	// OnPremHost serves an Azure DevOps Server 2022 (REST API up to 7.0)
	// with the collection /tfs/DefaultCollection; "" serves none.
	OnPremHost string

	// PAT is what Azure DevOps makes of the scenario's PAT.
	PAT PATState
	// WrongOrg: the organization in every URL does not exist (renamed,
	// deleted or mistyped), so every /{org} request gets 404. Requests
	// naming any organization other than Org get 404 anyway.
	WrongOrg bool
	// NoCodeScope: the PAT lacks the Code scope; connectionData answers,
	// Git calls get 401.
	NoCodeScope bool
	// NoRepoAccess: the user cannot see the repository (TF401019) or the
	// project (VS800075). Stakeholder access in this private project does
	// the same on Git calls.
	NoRepoAccess NoAccess
	// Access is the user's access level (vsaex user entitlements).
	Access AccessLevel
	// PublicProject makes project Fabrikam public (TeamProjectReference
	// visibility "public"); Stakeholders then have full Azure Repos access
	// there (Microsoft's "Stakeholder access quick reference").
	PublicProject bool
	// EntitlementScopeMissing: the PAT lacks Member Entitlement Management
	// (Read), so user entitlements get 401.
	EntitlementScopeMissing bool
	// NotContributor: the user may read the repository but holds neither
	// GenericContribute nor PullRequestContribute.
	NotContributor bool
	// PermissionsScopeMissing: the permissions API answers 401.
	PermissionsScopeMissing bool
	// GlobalPAT: the PAT is valid for all accessible organizations, so the
	// global host answers connectionData (SonarQube rejects such PATs).
	// From GlobalPATRetirement on (by the simulator's clock) Azure DevOps
	// refuses it everywhere.
	GlobalPAT bool
	// Throttle429 answers the first N requests 429 with TF400733 and
	// Retry-After.
	Throttle429 int
	// LastAccessed is how long before the simulator's clock the user last
	// signed in (user entitlements' lastAccessedDate).
	LastAccessed time.Duration
	// CollectionScopedJobs: the organization does not limit job
	// authorization scope to the current project, so the job's own token
	// (Servers.JobToken, $(System.AccessToken)) signs in as "Project
	// Collection Build Service ({org})" instead of "{project} Build Service
	// ({org})" (Microsoft's "Job access tokens" page, scoped build
	// identities).
	CollectionScopedJobs bool

	// StatusPolicies are the repository's Status branch policies
	// (azdo_policy.go); HealthyAzdo requires SonarQube's quality gate on
	// main.
	StatusPolicies []AzdoStatusPolicy
}

// PATState is what Azure DevOps makes of the scenario's PAT.
type PATState int

// PAT states.
const (
	PATValid PATState = iota
	// PATExpired: 401 with the verbatim "has expired" JSON.
	PATExpired
	// PATSignInPage: 203 with an HTML sign-in page (302 to _signin when
	// X-TFS-FedAuthRedirect: Suppress is absent), as some APIs still do.
	PATSignInPage
	// PATRevoked: revoked, or stopped for inactivity: a bare 401.
	PATRevoked
	// PATRevokedTF400813: the same with a TF400813 body.
	PATRevokedTF400813
	// PATAnonymous: the PAT is not accepted and the organization has
	// public projects, so it answers as the anonymous user.
	PATAnonymous
)

// NoAccess is how a user who cannot see the repository is told so.
type NoAccess int

// NoAccess values.
const (
	NoAccessNone    NoAccess = iota
	NoAccessRepo             // 404 TF401019, GitRepositoryNotFoundException
	NoAccessProject          // 404 VS800075, ProjectDoesNotExistException
)

// AccessLevel is a user entitlement's accessLevel.
type AccessLevel struct {
	AccountLicenseType string // none, earlyAdopter, express, professional, advanced, stakeholder
	LicenseDisplayName string
	LicensingSource    string // none, account, msdn, profile, auto, trial
	MsdnLicenseType    string // none, eligible, professional, platforms, testProfessional, premium, ultimate, enterprise
	Status             string // active, disabled, ...
}

// AccessBasic is the Basic access level.
func AccessBasic() AccessLevel {
	return AccessLevel{"express", "Basic", "account", "none", "active"}
}

// AccessStakeholder is the Stakeholder access level: no code in private
// projects.
func AccessStakeholder() AccessLevel {
	return AccessLevel{"stakeholder", "Stakeholder", "account", "none", "active"}
}

// AccessVisualStudio is a Visual Studio Enterprise subscriber: licensed
// through msdn, so msdnLicenseType is the field in effect and
// accountLicenseType is none (the REST spec: "To use the MsdnLicenseType,
// LicensingSource should be defined as 'msdn'"). The display name is the
// portal's label for such users; the spec documents no values for it.
func AccessVisualStudio() AccessLevel {
	return AccessLevel{"none", "Visual Studio Enterprise subscription", "msdn", "enterprise", "active"}
}

// AccessVisualStudioEligible is licensed through msdn with msdnLicenseType
// "eligible": a value of the spec's enum that Microsoft's access-level
// documentation does not list among the subscriptions that include Basic.
// The spec documents no display name for it, so none is sent.
func AccessVisualStudioEligible() AccessLevel {
	return AccessLevel{"none", "", "msdn", "eligible", "active"}
}

// GlobalPATRetirement is the day Microsoft stops every global ("All
// accessible organizations") PAT.
var GlobalPATRetirement = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// The simulated identities. The ids are fixed so that tests can name them.
const (
	azdoProjectID   = "3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b"
	azdoRepoID      = "5febef5a-833d-4e14-b9c0-14cb638f91e6"
	azdoUserID      = "8c3b1e2d-4f5a-4b6c-9d7e-0f1a2b3c4d5e"
	azdoUserName    = "Build Bot"
	azdoUserAccount = "build-bot@contoso.example"
	// The build services' identity ids (job tokens, project and
	// collection scope).
	azdoBuildServiceID    = "2b7c4f1e-9d3a-4e6b-8c5f-1a2b3c4d5e6f"
	azdoCollectionBuildID = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b"
	azdoOnPremAccount     = `CONTOSO\build-bot`
	azdoOrgInstanceID     = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
	azdoCollectionID      = "6d7c8b9a-0f1e-4d2c-8b3a-495867a6b5c4"
	azdoAnonymousID       = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	azdoGitNamespace      = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"
	azdoOnPremHost        = "tfs.contoso.example"
	azdoCollection        = "/tfs/DefaultCollection"
	azdoServerVersion     = "7.0" // Azure DevOps Server 2022
	azdoCloudVersion      = "7.2"
	azdoRetryAfterSec     = 1
	azdoRateLimit         = 200
)

// Git Repositories permission bits a reader and a contributor hold.
const (
	azdoReadBits        = 2                                  // GenericRead
	azdoContributorBits = 2 | 4 | 16 | 32 | 64 | 128 | 16384 // + GenericContribute, CreateBranch, CreateTag, ManageNote, PolicyExempt, PullRequestContribute
)

// HealthyAzdo is Azure DevOps where the PAT of user build-bot (Basic,
// contributor) reads contoso/Fabrikam/web-app, on Services and on the
// on-premises server.
func HealthyAzdo() Azdo {
	return Azdo{
		Org:            defaultOrg,
		OnPremHost:     azdoOnPremHost,
		Access:         AccessBasic(),
		LastAccessed:   3 * time.Hour,
		StatusPolicies: []AzdoStatusPolicy{SonarQubeGate("refs/heads/main")},
	}
}

func azdoHosts(cfg Azdo) []string {
	if cfg.Org == "" {
		return nil
	}
	hosts := []string{
		"dev.azure.com",
		strings.ToLower(cfg.Org) + ".visualstudio.com",
		"vssps.dev.azure.com",
		"vsaex.dev.azure.com",
		"app.vssps.visualstudio.com",
	}
	if cfg.OnPremHost != "" {
		hosts = append(hosts, strings.ToLower(cfg.OnPremHost))
	}
	return hosts
}

func newAzdoHandler(cfg Azdo, s *Servers) http.Handler {
	return &azdoSim{cfg: cfg, s: s}
}

type azdoSim struct {
	cfg      Azdo
	s        *Servers
	requests atomic.Int64
}

// azdoSite is where a request landed: an organization or collection, and
// the path after it.
type azdoSite struct {
	base   string // the requesting base URL; answers echo it, as the service does
	onPrem bool
	rest   string // path after the organization or collection, without leading "/"
}

func (h *azdoSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("ActivityId", azdoGUID())
	session := r.Header.Get("X-TFS-Session")
	if session == "" {
		session = azdoGUID()
	}
	hdr.Set("X-TFS-Session", session)
	hdr.Set("X-VSS-E2EID", azdoGUID())

	if n := h.requests.Add(1); n <= int64(h.cfg.Throttle429) {
		h.throttle(w)
		return
	}
	if r.Method != http.MethodGet {
		hdr.Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}

	host := strings.ToLower(r.Host)
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	org := strings.ToLower(h.cfg.Org)
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/")

	switch {
	case host == "app.vssps.visualstudio.com":
		h.global(w, r, path)
	case host == "dev.azure.com" || host == "vssps.dev.azure.com" || host == "vsaex.dev.azure.com":
		first, rest, _ := strings.Cut(path, "/")
		if !strings.EqualFold(first, org) || h.cfg.WrongOrg {
			h.unknownOrg(w)
			return
		}
		site := azdoSite{base: "https://" + host + "/" + first, rest: rest}
		switch host {
		case "dev.azure.com":
			h.org(w, r, site)
		case "vssps.dev.azure.com":
			// The identity host answers connectionData like the organization.
			if !strings.EqualFold(rest, "_apis/connectionData") {
				h.notFound(w)
				return
			}
			h.org(w, r, site)
		default:
			h.entitlements(w, r, site)
		}
	case host == org+".visualstudio.com":
		if h.cfg.WrongOrg {
			h.unknownOrg(w)
			return
		}
		rest := path
		if first, after, _ := strings.Cut(path, "/"); strings.EqualFold(first, "DefaultCollection") {
			rest = after
		}
		h.org(w, r, azdoSite{base: "https://" + host, rest: rest})
	case h.cfg.OnPremHost != "" && host == strings.ToLower(h.cfg.OnPremHost):
		coll := strings.TrimPrefix(azdoCollection, "/")
		if h.cfg.WrongOrg || len(path) < len(coll) || !strings.EqualFold(path[:len(coll)], coll) || (len(path) > len(coll) && path[len(coll)] != '/') {
			// IIS answers for an unknown virtual directory or collection.
			h.notFound(w)
			return
		}
		h.org(w, r, azdoSite{base: "https://" + host + "/" + path[:len(coll)], onPrem: true, rest: strings.TrimPrefix(path[len(coll):], "/")})
	default:
		http.Error(w, "simulator: no Azure DevOps at "+r.Host, http.StatusMisdirectedRequest)
	}
}

// caller is who a request authenticates as.
type caller int

const (
	callerUser         caller = iota // the scenario's PAT, accepted
	callerBuildService               // the job's own token ($(System.AccessToken)), accepted
	callerAnonymous                  // answered as the anonymous user
	callerRefused                    // an answer has been written
)

// authenticate applies the PAT state. On refusal it writes the answer.
func (h *azdoSim) authenticate(w http.ResponseWriter, r *http.Request, onPrem bool) caller {
	// The job's token is accepted as the password of Basic, as the az
	// devops CLI sends it from AZURE_DEVOPS_EXT_PAT.
	known, who := false, callerUser
	if _, pass, ok := r.BasicAuth(); ok && pass != "" {
		switch pass {
		case h.s.PAT:
			known = true
		case h.s.JobToken:
			known, who = true, callerBuildService
		}
	}
	suppress := strings.EqualFold(r.Header.Get("X-TFS-FedAuthRedirect"), "Suppress")
	state := h.cfg.PAT
	if known && who == callerUser && h.cfg.GlobalPAT && !onPrem && !h.s.now().Before(GlobalPATRetirement) && state == PATValid {
		// "All existing global PATs stop working on December 1, 2026"
		// (Microsoft, "Use personal access tokens"). No distinct answer is
		// documented, so the refusal is the bare one of any token the
		// service no longer accepts.
		state = PATRevoked
	}
	if !known {
		state = PATRevoked // an unknown credential is refused like a revoked one
		if h.cfg.PAT == PATAnonymous {
			state = PATAnonymous
		}
	}
	switch state {
	case PATValid:
		return who
	case PATAnonymous:
		return callerAnonymous
	case PATExpired:
		h.unauthorized(w, onPrem, azdoExpiredBody)
	case PATSignInPage:
		if !suppress && !onPrem {
			h.signInRedirect(w, r)
		} else {
			h.signInPage(w)
		}
	case PATRevokedTF400813:
		h.unauthorized(w, onPrem, azdoTF400813Body)
	default:
		// Without the suppression header the service sends a browser to
		// sign in rather than answering 401.
		if !suppress && !onPrem {
			h.signInRedirect(w, r)
			return callerRefused
		}
		h.unauthorized(w, onPrem, "")
	}
	return callerRefused
}

// signedIn authenticates a request to a Services-only host, where an
// anonymous caller gets 401; callerRefused means the answer was already
// written.
func (h *azdoSim) signedIn(w http.ResponseWriter, r *http.Request) caller {
	switch who := h.authenticate(w, r, false); who {
	case callerRefused:
		return who
	case callerAnonymous:
		h.unauthorized(w, false, "")
		return callerRefused
	default:
		return who
	}
}

// global serves app.vssps.visualstudio.com, which only a PAT valid for
// all accessible organizations can read.
func (h *azdoSim) global(w http.ResponseWriter, r *http.Request, path string) {
	if !strings.EqualFold(path, "_apis/connectionData") {
		h.notFound(w)
		return
	}
	who := h.signedIn(w, r)
	if who == callerRefused {
		return
	}
	// A job's token belongs to its organization; that the global host
	// refuses it like an organization-scoped PAT is an assumption (no
	// documented answer).
	if !h.cfg.GlobalPAT || who == callerBuildService {
		h.unauthorized(w, false, "")
		return
	}
	h.connectionData(w, r, false, who)
}

// org serves the organization or collection APIs.
func (h *azdoSim) org(w http.ResponseWriter, r *http.Request, site azdoSite) {
	if h.versionOutOfRange(w, r, site.onPrem) {
		return
	}
	who := h.authenticate(w, r, site.onPrem)
	if who == callerRefused {
		return
	}
	segs := azdoSegments(site.rest)
	switch {
	case len(segs) == 2 && strings.EqualFold(segs[0], "_apis") && strings.EqualFold(segs[1], "connectionData"):
		h.connectionData(w, r, site.onPrem, who)
		return
	case who == callerAnonymous:
		// Nothing but public projects is readable anonymously, and this
		// project is private.
		h.unauthorized(w, site.onPrem, "")
		return
	}
	h.userData(w, site.onPrem, who)
	switch {
	case len(segs) == 3 && strings.EqualFold(segs[0], "_apis") && strings.EqualFold(segs[1], "projects"):
		h.project(w, r, site, segs[2])
	case len(segs) == 4 && strings.EqualFold(segs[0], "_apis") && strings.EqualFold(segs[1], "permissions"):
		h.permissions(w, r, segs[2], segs[3])
	case len(segs) == 5 && strings.EqualFold(segs[1], "_apis") && strings.EqualFold(segs[2], "git") && strings.EqualFold(segs[3], "repositories"):
		h.repository(w, r, site, segs[0], segs[4])
	case len(segs) == 4 && strings.EqualFold(segs[0], "_apis") && strings.EqualFold(segs[1], "git") && strings.EqualFold(segs[2], "repositories"):
		h.repository(w, r, site, "", segs[3])
	case len(segs) == 5 && strings.EqualFold(segs[1], "_apis") && strings.EqualFold(segs[2], "git") && strings.EqualFold(segs[3], "policy") && strings.EqualFold(segs[4], "configurations"):
		h.branchPolicies(w, r, site, segs[0]) // azdo_policy.go
	default:
		h.notFound(w)
	}
}

func (h *azdoSim) connectionData(w http.ResponseWriter, r *http.Request, onPrem bool, who caller) {
	id, name, account := azdoUserID, azdoUserName, azdoUserAccount
	descriptor := "Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso.example\\" + azdoUserAccount
	subject := "aad." + base64.RawURLEncoding.EncodeToString([]byte(id))
	instance, deployment := azdoOrgInstanceID, "hosted"
	if onPrem {
		account = azdoOnPremAccount
		descriptor = "System.Security.Principal.WindowsIdentity;S-1-5-21-3623811015-3361044348-30300820-1013"
		instance, deployment = azdoCollectionID, "onPremises"
	}
	props := map[string]any{"Account": map[string]string{"$type": "System.String", "$value": account}}
	if !onPrem {
		props["Mail"] = map[string]string{"$type": "System.String", "$value": azdoUserAccount}
	}
	switch who {
	case callerAnonymous:
		id, name, descriptor = azdoAnonymousID, "Anonymous", "System:PublicAccess;"+azdoAnonymousID
		subject = "aad." + base64.RawURLEncoding.EncodeToString([]byte(id))
		props = map[string]any{}
	case callerBuildService:
		// The build service's display name is Microsoft's ("Job access
		// tokens", scoped build identities: "{Project Name} Build Service
		// ({Org Name})", "Project Collection Build Service ({Org Name})";
		// on Server the collection's name stands for the organization's).
		// Its descriptor is a service identity "{host id}:Build:{project or
		// collection id}", its subject descriptor "svc." (the forms the
		// identity APIs return for build services). Which properties it
		// carries is not documented; none are sent.
		id, name, descriptor, subject, props = h.buildService(onPrem)
		h.userData(w, onPrem, who)
	default:
		h.userData(w, onPrem, who)
	}
	identity := map[string]any{
		"id":                  id,
		"descriptor":          descriptor,
		"subjectDescriptor":   subject,
		"providerDisplayName": name,
		"isActive":            true,
		"properties":          props,
		"resourceVersion":     2,
		"metaTypeId":          0,
	}
	h.ok(w, r, map[string]any{
		"authenticatedUser": identity,
		"authorizedUser":    identity,
		"instanceId":        instance,
		"deploymentId":      "0a1b2c3d-4e5f-4061-8273-9485a6b7c8d9",
		"deploymentType":    deployment,
		"locationServiceData": map[string]any{
			"serviceOwner":                "00025394-6065-48ca-87d9-7f5672854ef7",
			"defaultAccessMappingMoniker": "PublicAccessMapping",
			"lastChangeId":                160384,
			"lastChangeId64":              160384,
		},
	})
}

// buildService is the identity the job's token signs in as.
func (h *azdoSim) buildService(onPrem bool) (id, name, descriptor, subject string, props map[string]any) {
	host, scope, org := azdoOrgInstanceID, azdoProjectID, defaultOrg
	if onPrem {
		host, org = azdoCollectionID, strings.TrimPrefix(azdoCollection, "/tfs/")
	}
	name = defaultProject + " Build Service (" + org + ")"
	id = azdoBuildServiceID
	if h.cfg.CollectionScopedJobs {
		scope, name, id = azdoCollectionID, "Project Collection Build Service ("+org+")", azdoCollectionBuildID
	}
	identifier := host + ":Build:" + scope
	return id, name, "Microsoft.TeamFoundation.ServiceIdentity;" + identifier,
		"svc." + base64.RawURLEncoding.EncodeToString([]byte(identifier)), map[string]any{}
}

func (h *azdoSim) repository(w http.ResponseWriter, r *http.Request, site azdoSite, project, repo string) {
	if h.cfg.NoCodeScope {
		h.unauthorized(w, site.onPrem, "")
		return
	}
	projectOK := project == "" || strings.EqualFold(project, defaultProject) || strings.EqualFold(project, azdoProjectID)
	repoOK := strings.EqualFold(repo, defaultRepo) || strings.EqualFold(repo, azdoRepoID)
	// What a Stakeholder gets on Git calls in a private project is not
	// documented (the reference marks it UNCONFIRMED); TF401019 is the
	// likeliest, as for any identity that cannot see the repository.
	// Azure DevOps Server has Stakeholder access too, with the same lack of
	// code access; only its entitlement API is missing. In a public project
	// Stakeholders have full Azure Repos access (Microsoft's "Stakeholder
	// access quick reference": Azure Repos, private project "No access",
	// public project "Full access").
	stakeholder := h.cfg.stakeholder() && !h.cfg.PublicProject
	switch {
	case h.cfg.NoRepoAccess == NoAccessProject:
		h.azdoError(w, http.StatusNotFound, azdoVS800075(project),
			"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException, Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistException")
	case !projectOK:
		h.azdoError(w, http.StatusNotFound, "TF200016: The following project does not exist: "+project+". Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
			"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistWithNameException")
	case !repoOK || h.cfg.NoRepoAccess == NoAccessRepo || stakeholder:
		h.azdoError(w, http.StatusNotFound, azdoTF401019(repo),
			"Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, Microsoft.TeamFoundation.Git.Server", "GitRepositoryNotFoundException")
	default:
		projectURL := site.base + "/_apis/projects/" + azdoProjectID
		webURL := site.base + "/" + defaultProject + "/_git/" + defaultRepo
		remote := webURL
		if !site.onPrem {
			if u, err := url.Parse(webURL); err == nil && u.Host == "dev.azure.com" {
				u.User = url.User(defaultOrg)
				remote = u.String()
			}
		}
		h.ok(w, r, map[string]any{
			"id":   azdoRepoID,
			"name": defaultRepo,
			"url":  site.base + "/" + azdoProjectID + "/_apis/git/repositories/" + azdoRepoID,
			// TeamProjectReference (git 7.1 spec): visibility is
			// "private" or "public".
			"project":         h.projectRef(projectURL),
			"defaultBranch":   "refs/heads/main",
			"size":            73519,
			"remoteUrl":       remote,
			"sshUrl":          "git@ssh.dev.azure.com:v3/" + defaultOrg + "/" + defaultProject + "/" + defaultRepo,
			"webUrl":          webURL,
			"isDisabled":      false,
			"isInMaintenance": false,
		})
	}
}

// stakeholder reports whether the user holds Stakeholder access: an account
// license of stakeholder, unless a Visual Studio subscription is the
// licensing source (access-levels page: subscribers assigned Stakeholder get
// their subscription's benefits on sign-in).
func (a Azdo) stakeholder() bool {
	return strings.EqualFold(a.Access.AccountLicenseType, "stakeholder") && !strings.EqualFold(a.Access.LicensingSource, "msdn")
}

func (h *azdoSim) projectRef(projectURL string) map[string]any {
	visibility := "private"
	if h.cfg.PublicProject {
		visibility = "public"
	}
	return map[string]any{
		"id": azdoProjectID, "name": defaultProject, "url": projectURL, "state": "wellFormed",
		"revision": 11, "visibility": visibility, "lastUpdateTime": "2026-01-12T09:30:00.117Z",
	}
}

// project serves Core "Projects - Get" (core 7.1 spec: TeamProject, which
// extends TeamProjectReference). Stakeholders are project members and see
// the project; a user outside it gets the same 404 as for a name that does
// not exist.
func (h *azdoSim) project(w http.ResponseWriter, r *http.Request, site azdoSite, project string) {
	known := strings.EqualFold(project, defaultProject) || strings.EqualFold(project, azdoProjectID)
	if !known || h.cfg.NoRepoAccess == NoAccessProject {
		h.azdoError(w, http.StatusNotFound, "TF200016: The following project does not exist: "+project+". Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
			"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistWithNameException")
		return
	}
	p := h.projectRef(site.base + "/_apis/projects/" + azdoProjectID)
	p["description"] = "Fabrikam web applications."
	p["_links"] = map[string]any{
		"self":       map[string]string{"href": site.base + "/_apis/projects/" + azdoProjectID},
		"collection": map[string]string{"href": site.base + "/_apis/projectCollections/" + azdoCollectionID},
		"web":        map[string]string{"href": site.base + "/" + defaultProject},
	}
	p["defaultTeam"] = map[string]any{"id": "66df9be7-3586-467b-9c5f-425b29afedfd", "name": defaultProject + " Team",
		"url": site.base + "/_apis/projects/" + azdoProjectID + "/teams/66df9be7-3586-467b-9c5f-425b29afedfd"}
	h.ok(w, r, p)
}

// permissions evaluates the user's access control on Git security tokens:
// it answers for the user, whatever the PAT's scopes.
func (h *azdoSim) permissions(w http.ResponseWriter, r *http.Request, namespace, bitsText string) {
	if h.cfg.PermissionsScopeMissing {
		h.unauthorized(w, false, "")
		return
	}
	bits, err := strconv.Atoi(bitsText)
	if err != nil {
		h.notFound(w)
		return
	}
	q := r.URL.Query()
	delim := q.Get("delimiter")
	if delim == "" {
		delim = ","
	}
	granted := azdoContributorBits
	if h.cfg.NotContributor {
		granted = azdoReadBits
	}
	var values []bool
	for _, tok := range strings.Split(q.Get("tokens"), delim) {
		known := tok == "repoV2/"+azdoProjectID || tok == "repoV2/"+azdoProjectID+"/"+azdoRepoID
		values = append(values, strings.EqualFold(namespace, azdoGitNamespace) && known && bits&^granted == 0)
	}
	h.ok(w, r, map[string]any{"count": len(values), "value": values})
}

// entitlements serves vsaex user entitlements.
func (h *azdoSim) entitlements(w http.ResponseWriter, r *http.Request, site azdoSite) {
	segs := azdoSegments(site.rest)
	if len(segs) != 3 || !strings.EqualFold(segs[0], "_apis") || !strings.EqualFold(segs[1], "userentitlements") {
		h.notFound(w)
		return
	}
	if h.versionOutOfRange(w, r, false) {
		return
	}
	who := h.signedIn(w, r)
	if who == callerRefused {
		return
	}
	if h.cfg.EntitlementScopeMissing {
		h.unauthorized(w, false, "")
		return
	}
	h.userData(w, false, who)
	if !strings.EqualFold(segs[2], azdoUserID) {
		h.notFound(w)
		return
	}
	a := h.cfg.Access
	h.ok(w, r, map[string]any{
		"accessLevel": map[string]string{
			"licensingSource":    a.LicensingSource,
			"accountLicenseType": a.AccountLicenseType,
			"msdnLicenseType":    a.MsdnLicenseType,
			"licenseDisplayName": a.LicenseDisplayName,
			"status":             a.Status,
			"statusMessage":      "",
			"assignmentSource":   "unknown",
		},
		"extensions":          []any{},
		"groupAssignments":    []any{},
		"projectEntitlements": []any{},
		"id":                  azdoUserID,
		"lastAccessedDate":    h.s.now().UTC().Add(-h.cfg.LastAccessed).Format(time.RFC3339Nano),
		"dateCreated":         "2024-02-01T10:00:00Z",
		"user": map[string]any{
			"subjectKind": "user", "metaType": "member", "principalName": azdoUserAccount, "mailAddress": azdoUserAccount,
			"origin": "aad", "displayName": azdoUserName,
			"descriptor": "aad." + base64.RawURLEncoding.EncodeToString([]byte(azdoUserID)),
		},
	})
}

// versionOutOfRange refuses an api-version newer than the server knows.
func (h *azdoSim) versionOutOfRange(w http.ResponseWriter, r *http.Request, onPrem bool) bool {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return false
	}
	latest := azdoCloudVersion
	if onPrem {
		latest = azdoServerVersion
	}
	num, _, _ := strings.Cut(v, "-")
	if azdoVersionLess(latest, num) {
		h.azdoError(w, http.StatusBadRequest,
			"The requested REST API version of "+v+" is out of range for this server. The latest REST API version this server supports is "+latest+".",
			"Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi", "VssVersionOutOfRangeException")
		return true
	}
	return false
}

// azdoVersionLess compares "major.minor" versions; unreadable ones are
// not less.
func azdoVersionLess(a, b string) bool {
	pa, pb := azdoVersionParts(a), azdoVersionParts(b)
	if pa[0] != pb[0] {
		return pa[0] < pb[0]
	}
	return pa[1] < pb[1]
}

func azdoVersionParts(v string) [2]int {
	maj, min, _ := strings.Cut(v, ".")
	a, _ := strconv.Atoi(maj)
	b, _ := strconv.Atoi(min)
	return [2]int{a, b}
}

// userData sets X-VSS-UserData, "{id}:{account}", once an identity is
// established. For the build service the second part is its display name
// (what the service puts there for service identities is not documented).
func (h *azdoSim) userData(w http.ResponseWriter, onPrem bool, who caller) {
	id, account := azdoUserID, azdoUserAccount
	if onPrem {
		account = azdoOnPremAccount
	}
	if who == callerBuildService {
		id, account, _, _, _ = h.buildService(onPrem)
	}
	w.Header().Set("X-VSS-UserData", id+":"+account)
}

// unauthorized answers 401 with the service's challenges and an optional
// JSON body (the expired-PAT and TF400813 answers carry one; most carry
// none).
func (h *azdoSim) unauthorized(w http.ResponseWriter, onPrem bool, body string) {
	hdr := w.Header()
	hdr.Del("X-VSS-UserData")
	if onPrem {
		hdr["Www-Authenticate"] = []string{"Bearer", `Basic realm="https://` + strings.ToLower(h.cfg.OnPremHost) + `/tfs"`, "Negotiate", "NTLM"}
	} else {
		hdr["Www-Authenticate"] = []string{
			"Bearer authorization_uri=https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000",
			`Basic realm="https://tfsprodweu2.visualstudio.com/"`,
			"TFS-Federated",
		}
	}
	if body == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(body))
}

// signInRedirect is what a browser-minded answer to a refused credential
// looks like: 302 to the sign-in service.
func (h *azdoSim) signInRedirect(w http.ResponseWriter, r *http.Request) {
	reply := "https://" + r.Host + r.URL.RequestURI()
	loc := "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com&reply_to=" + url.QueryEscape(reply) + "&redirect=1"
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusFound)
	fmt.Fprintf(w, `<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="%s">here</a>.</h2></body></html>`, loc)
}

// signInPage is the 203 answer: an HTML sign-in page where JSON was asked.
func (h *azdoSim) signInPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNonAuthoritativeInfo)
	_, _ = w.Write([]byte(`<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>
  Azure DevOps Services | Sign In
</title></head>
<body><form method="post" action="https://spsprodweu5.vssps.visualstudio.com/_signin"></form></body></html>`))
}

// unknownOrg answers a request naming an organization that does not exist.
// The status is what clients report (404); the page itself is a stand-in.
func (h *azdoSim) unknownOrg(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><title>Azure DevOps Services | Page not found</title></head><body></body></html>`))
}

func (h *azdoSim) notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body></body></html>`))
}

// throttle answers as a blocked request: 429, TF400733 and the rate-limit
// headers.
func (h *azdoSim) throttle(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Retry-After", strconv.Itoa(azdoRetryAfterSec))
	hdr.Set("X-RateLimit-Resource", "Core")
	hdr.Set("X-RateLimit-Delay", "30.000")
	hdr.Set("X-RateLimit-Limit", strconv.Itoa(azdoRateLimit))
	hdr.Set("X-RateLimit-Remaining", "0")
	hdr.Set("X-RateLimit-Reset", strconv.FormatInt(h.s.now().Add(azdoRetryAfterSec*time.Second).Unix(), 10))
	h.azdoError(w, http.StatusTooManyRequests,
		"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource Core in namespace User.",
		"Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server", "RequestBlockedException")
}

// azdoError writes the service's JSON error body.
func (h *azdoSim) azdoError(w http.ResponseWriter, status int, message, typeName, typeKey string) {
	b, _ := json.Marshal(map[string]any{
		"$id": "1", "innerException": nil, "message": message,
		"typeName": typeName, "typeKey": typeKey, "errorCode": 0, "eventId": 3000,
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ok writes a success. The content type names the version answered, as
// the service's does.
func (h *azdoSim) ok(w http.ResponseWriter, r *http.Request, v any) {
	ct := "application/json; charset=utf-8"
	if ver := r.URL.Query().Get("api-version"); ver != "" {
		ct += "; api-version=" + ver
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the simulator's own values always marshal
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// azdoSegments splits an escaped path into decoded segments.
func azdoSegments(escaped string) []string {
	var out []string
	for _, p := range strings.Split(escaped, "/") {
		if p == "" {
			continue
		}
		if s, err := url.PathUnescape(p); err == nil {
			p = s
		}
		out = append(out, p)
	}
	return out
}

func azdoTF401019(repo string) string {
	return "TF401019: The Git repository with name or identifier " + repo + " does not exist or you do not have permissions for the operation you are attempting."
}

func azdoVS800075(project string) string {
	if project == "" {
		project = defaultProject
	}
	return "VS800075: The project with id 'vstfs:///Classification/TeamProject/" + project + "' does not exist, or you do not have permission to access it."
}

// The expired-PAT answer, verbatim from microsoft/azure-pipelines-tasks#18732.
const azdoExpiredBody = `{"$id":"1","customProperties":{"Descriptor":null,"IdentityDisplayName":null,"Token":null,"RequestedPermissions":0,"NamespaceId":"00000000-0000-0000-0000-000000000000"},"innerException":null,"message":"Access Denied: The Personal Access Token used has expired.","typeName":"Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi","typeKey":"AccessCheckException","errorCode":0,"eventId":3000}`

// The TF400813 text is documented; the envelope around it is the service's
// usual error shape.
const azdoTF400813Body = `{"$id":"1","innerException":null,"message":"TF400813: The user '' is not authorized to access this resource.","typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}`

// azdoGUID is a random version-4 GUID, as the service's activity ids are.
func azdoGUID() string {
	h := []byte(randHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}
