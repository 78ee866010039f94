package preflight

import (
	"net/http"
	"strings"
	"time"

	"sonar-preflight/internal/config"
	"sonar-preflight/internal/sonar"
)

// Check ids. They are stable: pipelines and scripts match on them.
const (
	IDConfig         = "config"
	IDSonarServer    = "sonar.server"
	IDSonarToken     = "sonar.token"
	IDSonarBaseURL   = "sonar.base-url"
	IDSonarDevOps    = "sonar.devops-config"
	IDSonarBinding   = "sonar.binding"
	IDSonarDevOpsPAT = "sonar.devops-pat"
)

// Deps is what the catalog needs from the outside world.
type Deps struct {
	Config *config.Config
	HTTP   *http.Client
	Now    func() time.Time
	// UserAgent is sent on every request.
	UserAgent string
	// WorkDir is the process's working directory: where repo.history looks
	// for the checkout when BUILD_SOURCESDIRECTORY is not set.
	WorkDir string
}

// Platform is the DevOps platform whose SonarQube integration applies to
// the pipeline's repository.
type Platform string

// Platforms SonarQube decorates pull requests for, as far as this tool checks.
const (
	PlatformAzure   Platform = "azure"
	PlatformGitHub  Platform = "github"
	PlatformNone    Platform = ""        // a provider SonarQube has no integration to check for here
	PlatformUnknown Platform = "unknown" // no pipeline variables say which
)

// PlatformOf maps BUILD_REPOSITORY_PROVIDER to a platform.
func PlatformOf(p config.Pipeline) Platform {
	switch strings.ToLower(p.RepoProvider) {
	case "tfsgit":
		return PlatformAzure
	case "github", "githubenterprise":
		return PlatformGitHub
	case "":
		// Classic release pipelines may carry no repository variables, but the
		// collection URI still names the Azure DevOps organization.
		if p.CollectionURI != "" {
			return PlatformAzure
		}
		return PlatformUnknown
	}
	if p.ReleaseLike() && p.CollectionURI != "" {
		// In a release the provider describes the primary artifact (a build
		// artifact shows as Git), not necessarily what is analysed.
		return PlatformAzure
	}
	return PlatformNone
}

// run holds one preflight's clients and the answers checks share.
type run struct {
	d        Deps
	cfg      *config.Config
	platform Platform

	sonar      *sonar.Client // the main token
	sonarAdmin *sonar.Client // the admin token, else the main token

	// Shared answers. Each is fetched once, by whichever check asks first.
	status      *lazy[*sonar.Status]
	current     *lazy[*sonar.CurrentUser]
	adminUser   *lazy[*sonar.CurrentUser]
	definitions *lazy[records]
	binding     *lazy[*sonar.Binding]
	edition     *lazy[editionFacts]
	sharing     sharingCache // monorepo.go

	pr prState // pull-request readiness (catalog_pr.go)
}

// Catalog returns every check for this configuration, in report order.
func Catalog(d Deps) []Check {
	r := &run{
		d:           d,
		cfg:         d.Config,
		platform:    PlatformOf(d.Config.Pipeline),
		status:      newLazy[*sonar.Status](),
		current:     newLazy[*sonar.CurrentUser](),
		adminUser:   newLazy[*sonar.CurrentUser](),
		definitions: newLazy[records](),
		binding:     newLazy[*sonar.Binding](),
		edition:     newLazy[editionFacts](),
		pr:          newPRState(),
	}
	checks := []Check{{ID: IDConfig, Title: "Configuration", Run: r.checkConfig}}
	if len(d.Config.Problems) == 0 {
		if c, err := sonar.New(d.Config.SonarURL, d.Config.SonarToken, d.HTTP); err == nil {
			r.sonar = c
			r.sonarAdmin = c
			if !d.Config.AdminToken.Empty() {
				r.sonarAdmin = c.WithToken(d.Config.AdminToken)
			}
		}
	}
	checks = append(checks, r.sonarChecks()...)
	checks = append(checks, r.azdoChecks()...)
	checks = append(checks, r.githubChecks()...)
	checks = append(checks, r.prChecks()...)
	return checks
}
