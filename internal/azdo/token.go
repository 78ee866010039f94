package azdo

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

// LooksLikeJWT reports whether a token has the shape of a JSON Web Token:
// three base64url parts separated by dots, the first a JSON header naming
// an algorithm or type. $(System.AccessToken), the job's own access token,
// has this shape (as have Microsoft Entra ID access tokens); Azure DevOps
// PATs do not (52 lower-case letters and digits, or 84 characters with the
// AZDO signature, per Microsoft's "Use personal access tokens" page). Only
// the header is decoded: the claims are the credential's and stay unread.
func LooksLikeJWT(tok string) bool {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		if strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
			return false
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, alg := h["alg"]
	_, typ := h["typ"]
	return alg || typ
}

// Build service identities, as Microsoft's "Job access tokens" page names
// them (learn.microsoft.com/azure/devops/pipelines/process/access-tokens,
// "Scoped build identities"): "{Project Name} Build Service ({Org Name})"
// for a project-scoped job and "Project Collection Build Service ({Org
// Name})" for a collection-scoped one. Their descriptors are service
// identities whose identifier reads "{host id}:Build:{project or collection
// id}".
var buildServiceName = regexp.MustCompile(`^(?:Project Collection|.+) Build Service \([^()]+\)$`)

const (
	serviceIdentityPrefix = "Microsoft.TeamFoundation.ServiceIdentity;"
	// userIdentityPrefix is the descriptor type of a person's (or a
	// service account's) Microsoft Entra or MSA identity: whatever its
	// display name, it signed in with a PAT, not with a job token.
	userIdentityPrefix = "Microsoft.IdentityModel.Claims.ClaimsIdentity;"
)

// IsBuildService reports whether the identity is a pipeline's build service:
// the caller presented the job's access token ($(System.AccessToken)), not a
// user's PAT. The display name alone decides only when the descriptor does
// not show a user: a service account may be named "... Build Service (...)".
func (i Identity) IsBuildService() bool {
	if strings.HasPrefix(i.Descriptor, serviceIdentityPrefix) && strings.Contains(i.Descriptor, ":Build:") {
		return true
	}
	if strings.HasPrefix(i.Descriptor, userIdentityPrefix) {
		return false
	}
	return buildServiceName.MatchString(i.ProviderDisplayName)
}
