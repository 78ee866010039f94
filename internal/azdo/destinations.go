package azdo

import (
	"net/url"
)

// globalProbeDestination is where the global-PAT probe goes (GlobalProbeURL).
const globalProbeDestination = "https://app.vssps.visualstudio.com/_apis/connectionData"

// PATDestinations lists where a PAT for org may be sent (httpx.Credential
// Allowed entries): the organization itself, dev.azure.com/{org} or its
// legacy host {org}.visualstudio.com; for an organization on Services also
// the hosts Microsoft serves it from, vssps and vsaex for that organization,
// and the global-PAT probe on app.vssps.visualstudio.com; for Azure DevOps
// Server the server's origin, which serves all its collections.
func PATDestinations(org Org) []string {
	switch org.Deployment {
	case Services:
		return []string{
			org.BaseURL,
			"https://vssps.dev.azure.com/" + url.PathEscape(org.Name),
			"https://vsaex.dev.azure.com/" + url.PathEscape(org.Name),
			globalProbeDestination,
		}
	case Server:
		if u, err := url.Parse(org.BaseURL); err == nil {
			return []string{u.Scheme + "://" + u.Host}
		}
	}
	return nil
}

// ServicesDestinations lists every host of Azure DevOps Services, for a PAT
// that may go to any Services organization (the fleet audit with
// --trust-record-organizations, where the user lets SonarQube's records
// name them): dev.azure.com, the legacy {org}.visualstudio.com hosts, vssps
// and vsaex.
func ServicesDestinations() []string {
	return []string{"https://" + servicesHost, "https://*" + legacySuffix, "https://vssps." + servicesHost, "https://vsaex." + servicesHost}
}
