package sonar

import "testing"

func TestKindOfToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token    string
		kind     TokenKind
		name     string
		analysis bool
		create   bool
	}{
		{"squ_0123", TokenUser, "user token", false, true},
		{"sqa_0123", TokenGlobalAnalysis, "global analysis token", true, true},
		{"sqp_0123", TokenProjectAnalysis, "project analysis token", true, false},
		{"0123abcd", TokenUnprefixed, "token", false, true},
		{"SQU_0123", TokenUnprefixed, "token", false, true},
		{"", TokenUnprefixed, "token", false, true},
	}
	for _, tt := range tests {
		k := KindOfToken(tt.token)
		if k != tt.kind || k.String() != tt.name || k.IsAnalysis() != tt.analysis || k.MayCreateProjects() != tt.create {
			t.Errorf("%q: %v %q analysis=%v create=%v", tt.token, k, k, k.IsAnalysis(), k.MayCreateProjects())
		}
	}
}
