package azdo

import (
	"encoding/base64"
	"testing"
)

func TestLooksLikeJWT(t *testing.T) {
	t.Parallel()
	b := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		tok  string
		want bool
	}{
		{b(`{"typ":"JWT","alg":"RS256","x5t":"oOvcz5M_7p-HjIKlFXz93u_V0Zo"}`) + "." + b(`{"nameid":"x"}`) + ".c2lnbmF0dXJl", true},
		{b(`{"alg":"RS256"}`) + "." + b(`{}`) + ".", true}, // an unsigned JWT is still a JWT
		// PATs: 52 lower-case letters and digits, or 84 characters with the AZDO signature.
		{"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop", false},
		{testPAT, false},
		{"", false},
		{"a.b.c", false},
		{b(`{"kid":"1"}`) + "." + b(`{}`) + ".sig", false}, // a JSON header without alg or typ
		{b(`{"typ":"JWT"}`) + "." + b(`{}`) + ".sig.extra", false},
		{b(`{"typ":"JWT"}`) + "." + b(`{}`) + ".si g", false},
	}
	for _, tt := range tests {
		if got := LooksLikeJWT(tt.tok); got != tt.want {
			t.Errorf("LooksLikeJWT(%.24q…) = %v, want %v", tt.tok, got, tt.want)
		}
	}
}

func TestIsBuildService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   Identity
		want bool
	}{
		{Identity{ProviderDisplayName: "Fabrikam Build Service (contoso)"}, true},
		{Identity{ProviderDisplayName: "Project Collection Build Service (contoso)"}, true},
		{Identity{Descriptor: "Microsoft.TeamFoundation.ServiceIdentity;1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9:Build:3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b"}, true},
		{Identity{ProviderDisplayName: "Build Bot", Descriptor: "Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso.example\\build-bot@contoso.example"}, false},
		{Identity{ProviderDisplayName: "Build Service"}, false},
		// A user account named like a build service signed in with a PAT.
		{Identity{ProviderDisplayName: "SonarQube Build Service (contoso)", Descriptor: "Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso.example\\sq-build@contoso.example"}, false},
		// Another service identity (e.g. a release) is not a build service.
		{Identity{Descriptor: "Microsoft.TeamFoundation.ServiceIdentity;1f2e3d4c:Release:3f1e4c2a"}, false},
	}
	for _, tt := range tests {
		if got := tt.id.IsBuildService(); got != tt.want {
			t.Errorf("%+v: IsBuildService = %v, want %v", tt.id, got, tt.want)
		}
	}
}
