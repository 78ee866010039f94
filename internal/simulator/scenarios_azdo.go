package simulator

import "time"

// Azure DevOps check ids, as the preflight catalog names them.
const (
	checkAzdoPAT         = "azdo.pat"
	checkAzdoGlobalPAT   = "azdo.global-pat"
	checkAzdoCodeRead    = "azdo.code-read"
	checkAzdoContribute  = "azdo.contribute"
	checkAzdoAccessLevel = "azdo.access-level"
)

const azdoOnPremURL = "https://" + azdoOnPremHost + azdoCollection

// azdoExpect is every Azure DevOps check passing, with the given
// exceptions (id, status pairs).
func azdoExpect(except ...string) map[string]string {
	m := map[string]string{
		checkAzdoPAT: "pass", checkAzdoGlobalPAT: "pass", checkAzdoCodeRead: "pass",
		checkAzdoContribute: "pass", checkAzdoAccessLevel: "pass",
	}
	for i := 0; i+1 < len(except); i += 2 {
		m[except[i]] = except[i+1]
	}
	return m
}

// afterPAT is what the checks behind azdo.pat finish with when the PAT is
// refused: skipped. azdo.contribute needs the repository's ids, so it
// follows azdo.code-read.
var afterPAT = []string{checkAzdoPAT, "fail", checkAzdoGlobalPAT, "skip", checkAzdoCodeRead, "skip", checkAzdoContribute, "skip", checkAzdoAccessLevel, "skip"}

func withText(sc Scenario, text map[string]string) Scenario { sc.ExpectText = text; return sc }

func withDate(sc Scenario, at time.Time) Scenario { sc.At = at; return sc }

func azdoScenarios() []Scenario {
	sc := func(name, summary string, edit func(*Azdo), env map[string]string, expect map[string]string) Scenario {
		a := HealthyAzdo()
		if edit != nil {
			edit(&a)
		}
		e := map[string]string{"AZURE_DEVOPS_EXT_PAT": "{{pat}}"}
		for k, v := range env {
			e[k] = v
		}
		return Scenario{Name: name, Summary: summary, Sonar: HealthySonar(), Azdo: a, Env: e, Expect: expect}
	}
	onPremSonar := HealthySonar()
	onPremSonar.AzureRecords = []SonarAlmRecord{{Key: defaultAlmKey, URL: azdoOnPremURL}}

	scenarios := []Scenario{
		sc("azdo-healthy",
			"The PAT of a Basic user who contributes to the repository, scoped to the organization: every Azure DevOps check passes.",
			nil, nil, azdoExpect()),
		sc("pat-expired",
			"Azure DevOps answers 401 \"Access Denied: The Personal Access Token used has expired.\": the PAT must be renewed.",
			func(a *Azdo) { a.PAT = PATExpired }, nil, azdoExpect(afterPAT...)),
		sc("pat-sign-in-page",
			"Azure DevOps answers with an HTML sign-in page (203) instead of JSON: the PAT was not accepted.",
			func(a *Azdo) { a.PAT = PATSignInPage }, nil, azdoExpect(afterPAT...)),
		sc("pat-revoked-or-inactive",
			"Azure DevOps answers a bare 401 to connectionData: the PAT was revoked, stopped for inactivity, mistyped or made for another organization.",
			func(a *Azdo) { a.PAT = PATRevoked }, nil, azdoExpect(afterPAT...)),
		sc("pat-wrong-organization",
			"The organization in the URLs does not exist (renamed or mistyped): Azure DevOps answers 404 whatever the PAT.",
			func(a *Azdo) { a.WrongOrg = true }, nil, azdoExpect(afterPAT...)),
		sc("pat-anonymous",
			"The organization has public projects and does not accept the PAT, so it answers as the anonymous user.",
			func(a *Azdo) { a.PAT = PATAnonymous }, nil, azdoExpect(afterPAT...)),
		sc("no-code-scope",
			"The PAT authenticates but lacks the Code scope (and Member Entitlement Management): Git calls answer 401.",
			func(a *Azdo) { a.NoCodeScope, a.EntitlementScopeMissing = true, true }, nil,
			azdoExpect(checkAzdoCodeRead, "fail", checkAzdoContribute, "skip", checkAzdoAccessLevel, "warn")),
		sc("stakeholder",
			"The PAT's user has Stakeholder access, which gives no code in private projects: Git calls answer 404 TF401019.",
			func(a *Azdo) { a.Access = AccessStakeholder() }, nil,
			azdoExpect(checkAzdoCodeRead, "fail", checkAzdoContribute, "skip", checkAzdoAccessLevel, "fail")),
		sc("not-a-contributor",
			"The PAT's user can read the repository but holds neither Contribute nor Contribute to pull requests.",
			func(a *Azdo) { a.NotContributor = true }, nil, azdoExpect(checkAzdoContribute, "fail")),
		// The check warns before 2026-12-01; from then on Azure DevOps
		// refuses the PAT (global-pat-retired).
		withDate(sc("global-pat",
			"The PAT is valid for all accessible organizations (on 2026-11-25): Microsoft retires global PATs on 2026-12-01 and SonarQube rejects them, so azdo.global-pat warns.",
			func(a *Azdo) { a.GlobalPAT = true }, nil, azdoExpect(checkAzdoGlobalPAT, "warn")), time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)),
		sc("azdo-legacy-url",
			"The pipeline names the organization by its legacy URL https://contoso.visualstudio.com/ and SonarQube by https://dev.azure.com/contoso: the same organization, every check passes.",
			nil, map[string]string{
				"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": "https://" + defaultOrg + ".visualstudio.com/",
				"SYSTEM_COLLECTIONURI":               "https://" + defaultOrg + ".visualstudio.com/",
				"BUILD_REPOSITORY_URI":               "https://" + defaultOrg + ".visualstudio.com/" + defaultProject + "/_git/" + defaultRepo,
			}, azdoExpect()),
		sc("entitlement-unreadable",
			"The PAT lacks Member Entitlement Management (Read): the access level cannot be verified, everything else passes.",
			func(a *Azdo) { a.EntitlementScopeMissing = true }, nil, azdoExpect(checkAzdoAccessLevel, "warn")),
	}

	// Access levels and project visibility (issue 9, rule 6).
	scenarios = append(scenarios,
		withText(sc("stakeholder-public-project",
			"The PAT's user has Stakeholder access, but project Fabrikam is public: Stakeholders have full Azure Repos access there, so every check passes.",
			func(a *Azdo) { a.Access, a.PublicProject = AccessStakeholder(), true }, nil, azdoExpect()),
			map[string]string{checkAzdoAccessLevel: "project Fabrikam is public: in public projects Stakeholders have full Azure Repos access"}),
		withText(sc("repo-hidden-public-project",
			"Project Fabrikam is public but the repository is hidden from the user (TF401019): the name is wrong or Read is denied; Stakeholder access is no cause there.",
			func(a *Azdo) { a.NoRepoAccess, a.PublicProject = NoAccessRepo, true }, nil,
			azdoExpect(checkAzdoCodeRead, "fail", checkAzdoContribute, "skip")),
			map[string]string{checkAzdoCodeRead: "Project Fabrikam is public, so every user of the organization can read its code, Stakeholders included"}),
		withText(sc("visual-studio-subscriber",
			"The PAT's user is licensed through a Visual Studio Enterprise subscription (licensingSource msdn): counted as Basic, as Microsoft documents it.",
			func(a *Azdo) { a.Access = AccessVisualStudio() }, nil, azdoExpect()),
			map[string]string{checkAzdoAccessLevel: `a Visual Studio Enterprise subscription (licensingSource "msdn", msdnLicenseType "enterprise")`}),
		withText(sc("visual-studio-unlisted",
			"The PAT's user is licensed through msdn with msdnLicenseType \"eligible\", which Microsoft does not list as including Basic: the access level cannot be verified.",
			func(a *Azdo) { a.Access = AccessVisualStudioEligible() }, nil, azdoExpect(checkAzdoAccessLevel, "warn")),
			map[string]string{checkAzdoAccessLevel: `msdnLicenseType "eligible"`}),
	)

	// The job's own token instead of a PAT (issue 9, rule 7).
	jobToken := map[string]string{"AZURE_DEVOPS_EXT_PAT": "{{jobtoken}}"}
	jobExpect := azdoExpect(checkAzdoPAT, "warn", checkAzdoGlobalPAT, "skip", checkAzdoContribute, "skip", checkAzdoAccessLevel, "skip")
	scenarios = append(scenarios,
		withText(sc("job-token",
			"AZURE_DEVOPS_EXT_PAT holds $(System.AccessToken), the job's own token: Azure DevOps signs it in as \"Fabrikam Build Service (contoso)\". SonarQube's record needs a user's or service account's PAT; the probes show the job token's access only.",
			nil, jobToken, jobExpect),
			map[string]string{
				checkAzdoPAT:      "Fabrikam Build Service (contoso), a pipeline's build service. SonarQube's record needs the PAT of a user or service account",
				checkAzdoCodeRead: "the job token's access, not SonarQube's PAT",
			}),
		withText(sc("job-token-collection",
			"$(System.AccessToken) of an organization that does not limit job authorization scope: it signs in as \"Project Collection Build Service (contoso)\".",
			func(a *Azdo) { a.CollectionScopedJobs = true }, jobToken, jobExpect),
			map[string]string{checkAzdoPAT: "Project Collection Build Service (contoso)"}),
		withText(sc("job-token-expired",
			"AZURE_DEVOPS_EXT_PAT holds a job token that Azure DevOps no longer accepts (its job has ended): 401, and the token is a JSON Web Token, not a PAT.",
			func(a *Azdo) { a.PAT = PATRevoked }, jobToken, azdoExpect(afterPAT...)),
			map[string]string{checkAzdoPAT: "The token is a JSON Web Token, not a PAT"}),
	)

	// A global PAT after its retirement (issue 9, rule 12): Azure DevOps
	// answers a bare 401, so azdo.pat lists a retired global PAT among the
	// possible causes, with how to tell.
	scenarios = append(scenarios, withText(withDate(sc("global-pat-retired",
		"The PAT is a global (\"All accessible organizations\") PAT on 2026-12-01: Microsoft has retired them and Azure DevOps answers 401; azdo.pat names that cause and how to tell.",
		func(a *Azdo) { a.GlobalPAT = true }, nil, azdoExpect(afterPAT...)), GlobalPATRetirement.Add(9*time.Hour)),
		map[string]string{checkAzdoPAT: `Its Organization column reads "All accessible organizations"`}))

	// SonarQube refuses its record while the same PAT works from the agent
	// (issue 9, rule 4): AzureDevOpsValidator turns any failure of its one
	// call into the same sentence, so what is left to suspect is SonarQube's
	// own path to Azure DevOps (its JVM proxy, trust store, an IP policy).
	sonarBlocked := sc("sonarqube-path-blocked",
		"SonarQube's validation of its record answers 'Invalid Azure URL or Personal Access Token' while the same PAT works from the agent: the suspects left are on SonarQube's side of the network (its JVM proxy, trust store, an Azure DevOps IP policy).",
		nil, nil, azdoExpect(checkSonarPAT, "fail"))
	sonarBlocked.Sonar.ValidationError = map[string]string{defaultAlmKey: msgInvalidAzure}
	scenarios = append(scenarios, withText(sonarBlocked,
		map[string]string{checkSonarPAT: "the remaining suspects are on SonarQube's side of the network", checkAzdoPAT: "disagrees with sonar.devops-pat"}))

	// Proxy settings as the agent passes them (issue 9, rule 8): the
	// bypass list holds an entry with a look-ahead, which the agent (.NET)
	// and the tasks (JavaScript) accept and Go cannot compile. The other
	// entries exempt every host of the run, so the proxy itself (which does
	// not exist here) is never asked.
	scenarios = append(scenarios, withText(sc("proxy-bypass-lookaround",
		"The agent proxy's bypass list holds an entry with a look-ahead, which Go's regular expressions cannot compile: it is skipped with a note, never a configuration failure; the note says which proxy path this run tested.",
		nil, map[string]string{
			"AGENT_PROXYURL":        "http://proxy.contoso.example:3128",
			"AGENT_PROXYBYPASSLIST": `["^https://(?!(?:[a-z0-9-]+\\.)*contoso\\.example)", "\\.contoso\\.example", "dev\\.azure\\.com", "visualstudio\\.com"]`,
		}, azdoExpect()),
		map[string]string{"config": "uses a look-ahead (?!...). The tasks (JavaScript) and the agent (.NET) accept it, but Go's regular expressions cannot read it as they do"}))

	onPrem := sc("azdo-on-prem",
		"Azure DevOps Server 2022 at https://tfs.contoso.example/tfs/DefaultCollection: the PAT, code and contribution checks pass; access levels and global PATs do not exist there.",
		nil, map[string]string{
			"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": azdoOnPremURL + "/",
			"SYSTEM_COLLECTIONURI":               azdoOnPremURL + "/",
			"BUILD_REPOSITORY_URI":               azdoOnPremURL + "/" + defaultProject + "/_git/" + defaultRepo,
		}, azdoExpect(checkAzdoGlobalPAT, "skip", checkAzdoAccessLevel, "skip"))
	onPrem.Sonar = onPremSonar
	return append(scenarios, onPrem)
}
