package sonar

import "testing"

func TestKindOfToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token    string
		kind     TokenKind
		name     string
		analysis bool
	}{
		{"squ_0123", TokenUser, "user token", false},
		{"sqa_0123", TokenGlobalAnalysis, "global analysis token", true},
		{"sqp_0123", TokenProjectAnalysis, "project analysis token", true},
		{"0123abcd", TokenUnprefixed, "token", false},
		{"SQU_0123", TokenUnprefixed, "token", false},
		{"", TokenUnprefixed, "token", false},
	}
	for _, tt := range tests {
		k := KindOfToken(tt.token)
		if k != tt.kind || k.String() != tt.name || k.IsAnalysis() != tt.analysis {
			t.Errorf("%q: %v %q analysis=%v", tt.token, k, k, k.IsAnalysis())
		}
	}
}
