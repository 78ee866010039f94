package preflight

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"sonar-preflight/internal/github"
)

// checkGitHubAppInstall checks that SonarQube's GitHub App is installed on
// the repository's owner. SonarQube's own validation of a GitHub record
// checks the App's credentials and its permissions (GET /app), not that it
// is installed where the repository lives (GithubGlobalSettingsValidator),
// so a record can validate while no pull request is ever decorated. Only
// real evidence counts: the organization's list of installations, which
// GitHub shows to an organization owner's token. Without it the check says
// the installation was not verified; it never fails on absence of evidence.
func (r *run) checkGitHubAppInstall(ctx context.Context, g *githubRun) Finding {
	if g.repo == nil || g.client == nil {
		return Finding{Status: Skip, Message: "Not run: the repository was not read (see github.repo)."}
	}
	byHand := fmt.Sprintf("Check by hand: GitHub > %s > Settings > GitHub Apps: SonarQube's App must be installed there, with access to %s.", g.repo.Owner, g.repo.FullName)
	rec, partial, err := r.bindingGitHubRecord(ctx)
	if err != nil || rec.AppID == "" {
		why := "SonarQube's GitHub record, which holds the App's id, could not be read"
		switch {
		case err == nil && partial:
			why = "the App's id is in SonarQube's full record list (api/alm_settings/list_definitions), which needs Administer System; give an admin token in " + r.givePlace("SONAR_ADMIN_TOKEN") + " to check it"
		case err == nil:
			why = "SonarQube's GitHub record " + rec.Key + " names no App id"
		}
		return Finding{Status: Skip, Message: "Installation not verified: " + why + ". " + byHand}
	}
	appID, err := strconv.ParseInt(strings.TrimSpace(rec.AppID), 10, 64)
	if err != nil {
		return Finding{Status: Skip, Message: fmt.Sprintf("Installation not verified: record %s's App id %q is not a number. %s", rec.Key, rec.AppID, byHand)}
	}
	if !strings.EqualFold(g.repo.OwnerType, "Organization") {
		return Finding{Status: Skip, Message: fmt.Sprintf("Installation not verified: %s belongs to the user %s, and only the App's own credentials can see its installations on a user account (GET /users/{username}/installation needs the App's JSON Web Token). %s", g.repo.FullName, g.repo.Owner, byHand)}
	}
	list, complete, err := g.client.OrgInstallations(ctx, g.repo.Owner)
	if err != nil {
		switch github.Classify(err) {
		case github.FailureForbidden, github.FailureNotFound, github.FailureBadCredentials, github.FailureSSORequired:
			return Finding{Status: Skip, Evidence: evidenceOf(err),
				Message: fmt.Sprintf("Installation not verified: this token cannot list organization %s's app installations (GitHub shows them to an organization owner's token: classic tokens with admin:read, fine-grained ones with Administration: read). SonarQube's own check of the record does not verify the installation either. %s", g.repo.Owner, byHand)}
		}
		return Finding{Status: Skip, Evidence: evidenceOf(err),
			Message: fmt.Sprintf("Installation not verified: listing organization %s's app installations failed (%s). %s", g.repo.Owner, oneLineErr(err), byHand)}
	}
	var found *github.Installation
	for i := range list {
		if list[i].AppID == appID {
			found = &list[i]
			break
		}
	}
	app := fmt.Sprintf("SonarQube's GitHub App (App ID %d, record %s)", appID, rec.Key)
	switch {
	case found == nil && !complete:
		return Finding{Status: Skip, Message: fmt.Sprintf("Installation not verified: organization %s has more app installations than this run lists (%d read), and %s is not among those read. %s", g.repo.Owner, len(list), app, byHand)}
	case found == nil:
		return Finding{Status: Fail,
			Message: fmt.Sprintf("%s is not installed on organization %s: GitHub lists its %d app installation(s) and that App is not among them. SonarQube's validation of the record checks the App's own permissions, not its installation, so it passes while the pull requests of %s are never decorated.", app, g.repo.Owner, len(list), g.repo.FullName),
			Remedy:  fmt.Sprintf("Install the App on %s: as an owner of the organization, open the App's page (GitHub > Settings > Developer settings > GitHub Apps > the App > Install App) and install it for all repositories or for %s.", g.repo.Owner, g.repo.FullName)}
	case found.Suspended:
		return Finding{Status: Fail,
			Message: fmt.Sprintf("%s is installed on organization %s but suspended: GitHub refuses its requests, so no pull request is decorated.", app, g.repo.Owner),
			Remedy:  fmt.Sprintf("Unsuspend it: GitHub > %s > Settings > GitHub Apps > the App > Configure > Unsuspend.", g.repo.Owner)}
	case strings.EqualFold(found.RepositorySelection, "all"):
		return Finding{Status: Pass, Message: fmt.Sprintf("%s is installed on organization %s for all repositories.", app, g.repo.Owner)}
	}
	return Finding{Status: Pass,
		Message: fmt.Sprintf("%s is installed on organization %s, for selected repositories.", app, g.repo.Owner),
		Notes:   []string{fmt.Sprintf("Whether %s is among the selected repositories is not visible to this token: GitHub lists an installation's repositories only to the App itself or to a user token issued through it. Check GitHub > %s > Settings > GitHub Apps > the App > Configure > Repository access.", g.repo.FullName, g.repo.Owner)}}
}

// bindingGitHubRecord is the GitHub record the project's binding uses, or
// the only GitHub record when the binding does not say.
// partial reports that the records came from api/alm_settings/list (the
// token lacks Administer System), which carries no App id.
func (r *run) bindingGitHubRecord(ctx context.Context) (rec record, partial bool, err error) {
	rs, err := r.getRecords(ctx)
	if err != nil {
		return record{}, false, err
	}
	gh := rs.of("github")
	if b, err := r.getBinding(ctx); err == nil && b.Alm == "github" {
		for _, rec := range gh {
			if rec.Key == b.Key {
				return rec, !rs.detailed(), nil
			}
		}
	}
	if len(gh) == 1 {
		return gh[0], !rs.detailed(), nil
	}
	return record{}, !rs.detailed(), fmt.Errorf("no single GitHub record for this project")
}
