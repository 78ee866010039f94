package sonar

import "strings"

// TokenKind is the kind of a SonarQube token, told by its prefix (9.5+;
// tokens made before have none).
type TokenKind int

// Token kinds. TokenUnprefixed is a token without a known prefix: made
// before SonarQube 9.5 (a user token then), or not a SonarQube token.
const (
	TokenUnprefixed      TokenKind = iota
	TokenUser                      // squ_: the user's own permissions
	TokenGlobalAnalysis            // sqa_: Execute Analysis and Create Projects only
	TokenProjectAnalysis           // sqp_: Execute Analysis on one project only
)

// KindOfToken tells a token's kind by its prefix.
func KindOfToken(token string) TokenKind {
	switch {
	case strings.HasPrefix(token, "squ_"):
		return TokenUser
	case strings.HasPrefix(token, "sqa_"):
		return TokenGlobalAnalysis
	case strings.HasPrefix(token, "sqp_"):
		return TokenProjectAnalysis
	}
	return TokenUnprefixed
}

// String names the kind for messages: "user token", "global analysis
// token", "project analysis token", or "token".
func (k TokenKind) String() string {
	switch k {
	case TokenUser:
		return "user token"
	case TokenGlobalAnalysis:
		return "global analysis token"
	case TokenProjectAnalysis:
		return "project analysis token"
	}
	return "token"
}

// IsAnalysis reports an analysis token (sqa_ or sqp_). SonarQube's
// TokenUserSession grants a global analysis token only the global
// permissions Execute Analysis and Create Projects (when its user has them)
// and no project permission, and a project analysis token no global
// permission and only Execute Analysis on its project, whatever its user may
// do. So such a token is refused 403 by api/alm_settings/list_definitions and
// validate (Administer System), get_binding (project Browse, Administer up
// to 10.0) and list?project= (project Administer): it cannot read DevOps
// settings (server/sonar-webserver-auth/.../user/TokenUserSession.java).
func (k TokenKind) IsAnalysis() bool {
	return k == TokenGlobalAnalysis || k == TokenProjectAnalysis
}
