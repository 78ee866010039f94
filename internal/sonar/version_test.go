package sonar

import "testing"

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Version
		bad  bool
	}{
		{in: "9.9.8.100196", want: Version{9, 9, 8, 100196, "9.9.8.100196"}},
		{in: "10.7.0.96327", want: Version{10, 7, 0, 96327, "10.7.0.96327"}},
		{in: "2025.1.0.102418", want: Version{2025, 1, 0, 102418, "2025.1.0.102418"}},
		{in: "2026.1", want: Version{2026, 1, 0, 0, "2026.1"}},
		{in: " 8.9.10.61524\n", want: Version{8, 9, 10, 61524, "8.9.10.61524"}},
		{in: "10.8-SNAPSHOT", want: Version{10, 8, 0, 0, "10.8-SNAPSHOT"}},
		{in: "10", bad: true},
		{in: "", bad: true},
		{in: "1.2.3.4.5", bad: true},
		{in: "10.x", bad: true},
		{in: "10..1", bad: true},
		{in: "+10.1", bad: true},
		{in: "10.-1", bad: true},
		{in: "99999999999999999999.1", bad: true},
		{in: "<html>", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseVersion(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseVersion(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseVersion(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestVersionOrder(t *testing.T) {
	t.Parallel()
	// Ascending; each must be Less than every later one.
	order := []string{"8.9.10.61524", "9.9", "9.9.0.65466", "9.9.8.100196", "10.0", "10.1.0.1", "10.7.0.96327", "2025.1", "2025.1.0.102418", "2026.1"}
	vs := make([]Version, len(order))
	for i, s := range order {
		v, err := ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		vs[i] = v
	}
	for i := range vs {
		for j := range vs {
			if got, want := vs[i].Less(vs[j]), i < j; got != want {
				t.Errorf("%s.Less(%s) = %v, want %v", vs[i], vs[j], got, want)
			}
		}
	}
	if (Version{Major: 9, Minor: 9, Raw: "x"}).Less(Version{Major: 9, Minor: 9}) {
		t.Error("Raw must not affect the order")
	}
}

func TestVersionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    Version
		want string
	}{
		{Version{Major: 9, Minor: 9}, "9.9"},
		{Version{Major: 10, Minor: 7, Patch: 1}, "10.7.1"},
		{Version{Major: 10, Minor: 7, Build: 5}, "10.7.0.5"},
		{Version{Major: 10, Minor: 7, Raw: "10.7-SNAPSHOT"}, "10.7-SNAPSHOT"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.v, got, tt.want)
		}
	}
}
