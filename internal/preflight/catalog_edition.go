package preflight

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"sonar-preflight/internal/sonar"
)

// IDSonarEdition is the edition check's id.
const IDSonarEdition = "sonar.edition"

// editionFacts is what the server said about its edition.
type editionFacts struct {
	info    sonar.EditionInfo
	version sonar.Version // zero when unknown
	nav     *sonar.Navigation
	navErr  error
	feats   []string
	featErr error // IsUnknownURL: before 9.6
}

// getEdition reads api/navigation/global and api/features/list side by
// side, once; the version comes from api/system/status (sonar.server).
func (r *run) getEdition(ctx context.Context) (editionFacts, error) {
	return r.edition.get(ctx, func(ctx context.Context) (editionFacts, error) {
		var ef editionFacts
		var wg sync.WaitGroup
		goSafe(&wg, func() { ef.nav, ef.navErr = r.sonar.Navigation(ctx) }, func() { ef.navErr = errPanicked })
		goSafe(&wg, func() { ef.feats, ef.featErr = r.sonar.Features(ctx) }, func() { ef.featErr = errPanicked })
		ef.version = r.sonarVersion(ctx)
		wg.Wait()
		if ef.navErr != nil {
			ef.nav = nil
		}
		ef.info = sonar.DetermineEdition(ef.nav, ef.feats, ef.featErr == nil, ef.version)
		return ef, nil
	})
}

// editionInfo is what is known of the edition, for other checks' wording;
// zero (unknown) when it could not be read.
func (r *run) editionInfo(ctx context.Context) sonar.EditionInfo {
	ef, err := r.getEdition(ctx)
	if err != nil {
		return sonar.EditionInfo{}
	}
	return ef.info
}

func (r *run) checkEdition(ctx context.Context) Finding {
	ef, _ := r.getEdition(ctx)
	e := ef.info
	var ev []Evidence
	if ef.navErr == nil {
		msg := "edition " + ef.nav.Edition
		if ef.nav.Edition == "" {
			msg = "no edition field"
		}
		ev = append(ev, Evidence{Request: "GET " + r.cfg.SonarURL + "/api/navigation/global", Status: 200, Message: msg})
	} else {
		ev = append(ev, evidenceOf(ef.navErr)...)
	}
	if ef.featErr == nil {
		ev = append(ev, Evidence{Request: "GET " + r.cfg.SonarURL + "/api/features/list", Status: 200, Message: "[" + strings.Join(ef.feats, ", ") + "]"})
	} else {
		ev = append(ev, evidenceOf(ef.featErr)...)
	}
	if sonar.IsUnauthorized(ef.navErr) && (ef.featErr == nil || sonar.IsUnauthorized(ef.featErr) || sonar.IsUnknownURL(ef.featErr)) {
		return Finding{Status: Skip, Evidence: ev, Message: "Not run: SonarQube refused the token on api/navigation/global (401); sonar.token says why."}
	}
	name := "SonarQube " + e.Name()
	if e.Edition == sonar.EditionUnknown {
		name = "SonarQube"
	}
	var notes []string
	if e.Source != "" && e.Source != sonar.SourceNavigation {
		notes = append(notes, "The edition was inferred from "+e.Source+" (api/navigation/global did not name it).")
	}
	pr := r.cfg.Pipeline.IsPullRequest()
	switch e.PullRequests {
	case sonar.Supported:
		f := Finding{Status: Pass, Evidence: ev, Notes: notes,
			Message: name + " analyses branches and pull requests."}
		if e.PluginBranchSupport {
			f.Notes = append(f.Notes, "Pull-request analysis comes from a third-party plugin on Community Edition (the server lists branch-support): SonarSource does not support such setups, and a SonarQube upgrade may break it until the plugin follows.")
		}
		if e.MultipleRecords == sonar.NotSupported {
			f.Notes = append(f.Notes, "This edition holds one DevOps Platform configuration record per platform (several need Enterprise Edition or higher: feature multiple-alm).")
		}
		return f

	case sonar.NotSupported:
		var what, rem string
		if e.Edition == sonar.EditionCommunity || e.Edition == sonar.EditionUnknown {
			what = name + " cannot analyse branches or pull requests: that needs Developer Edition or higher."
			rem = "Pull-request analysis and decoration need SonarQube Developer Edition or higher."
		} else {
			what = name + " does not offer branch and pull-request analysis right now: branch-support is missing from its features, which happens when its license is missing, expired or not valid for this server."
			rem = "A SonarQube administrator should check the license (Administration > Configuration > License Manager) and the server's web.log."
		}
		if pr && e.PullRequestsInferred {
			// Only the edition's name says so: a plugin that adds
			// branch-support would show in api/features/list, which did not
			// answer. Likely, not known: never fail on it.
			return Finding{Status: Warn, Evidence: ev, Notes: notes,
				Message: what + " This is a pull-request build, so the analysis will likely fail (\"Developer Edition or above is required\"), unless a plugin adds branch support: api/features/list, which would show one, could not be read (" + oneLineErr(ef.featErr) + ").",
				Remedy:  rem + " Until then, run the SonarQube tasks on branch builds only, e.g. condition: ne(variables['Build.Reason'], 'PullRequest')."}
		}
		if pr {
			return Finding{Status: Fail, Evidence: ev, Notes: notes,
				Message: what + " This is a pull-request build: the SonarQube Prepare task passes sonar.pullrequest.* to the scanner, and the analysis will fail (\"Developer Edition or above is required\").",
				Remedy:  rem + " Until then, run the SonarQube tasks on branch builds only, e.g. condition: ne(variables['Build.Reason'], 'PullRequest')."}
		}
		// The Prepare task passes sonar.branch.name on any branch but the
		// repository's default one (sonar-scanner-azdo prepare-task.ts,
		// populateBranchAndPrProps), which only branch-support accepts.
		return Finding{Status: Warn, Evidence: ev, Notes: notes,
			Message: what + " No pull request will ever be decorated, and builds of any branch but the default one fail their analysis too (the SonarQube Prepare task passes sonar.branch.name there); the DevOps integration checks still run (repository import uses them).",
			Remedy:  rem}
	}

	// Nothing tells: never fail a working setup on it.
	why := "neither api/navigation/global nor api/features/list named it"
	switch {
	case ef.navErr != nil && ef.featErr != nil && !sonar.IsUnknownURL(ef.featErr):
		why = fmt.Sprintf("api/navigation/global and api/features/list could not be read (%s)", oneLineErr(ef.navErr))
	case ef.navErr != nil:
		why = fmt.Sprintf("api/navigation/global could not be read (%s) and this version has no api/features/list", oneLineErr(ef.navErr))
	}
	msg := "Could not verify SonarQube's edition, so whether it analyses pull requests is unknown: " + why + "."
	rem := "Check the edition in SonarQube (Administration > System, or the page footer): pull-request analysis needs Developer Edition or higher."
	if ef.navErr != nil && !sonar.IsUnauthorized(ef.navErr) {
		rem += " If a proxy or firewall filters SonarQube's internal web services (api/navigation/*, api/features/*), let this agent's requests through."
	}
	return Finding{Status: Warn, Evidence: ev, Notes: notes, Message: msg, Remedy: rem}
}

// oneRecordPerPlatform reports an edition that holds one configuration
// record per platform (Developer and Community): advising "create another
// record" would be wrong there.
func oneRecordPerPlatform(e sonar.EditionInfo) bool {
	return e.MultipleRecords == sonar.NotSupported
}
