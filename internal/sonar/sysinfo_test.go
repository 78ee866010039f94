package sonar

import (
	"context"
	"testing"
)

func TestSystemInfoSettings(t *testing.T) {
	t.Parallel()
	// Shaped as info-example.json: one object per section; Settings holds
	// strings, masked where SettingsSection masks them.
	const info = `{"Health":"GREEN","Health Causes":[],"System":{"Version":"9.8","Edition":"Enterprise","Processors":10},` +
		`"Settings":{"sonar.core.serverBaseURL":"https://sq.example.com","sonar.jdbc.password":"xxxxxxxx","sonar.web.port":"8080","sonar.web.context":"/sq","odd":12}}`
	mux, c := setup(t)
	mux.Handle("/api/system/info", answer(200, "application/json", info))
	s, err := c.SystemInfoSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v, set := s.BaseURL(); !set || v != "https://sq.example.com" {
		t.Errorf("BaseURL %q %v", v, set)
	}
	if s["odd"] != "12" {
		t.Errorf("a number is kept as text: %q", s["odd"])
	}
	if got := s.FallbackBaseURL(); got != "http://localhost:8080/sq" {
		t.Errorf("fallback %q", got)
	}
}

func TestSystemSettingsFallback(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    SystemSettings
		want string
	}{
		{SystemSettings{}, "http://localhost:9000"},
		{SystemSettings{"sonar.web.host": "0.0.0.0", "sonar.web.port": "80"}, "http://localhost"},
		{SystemSettings{"sonar.web.host": "sq.internal", "sonar.web.port": "9001", "sonar.web.context": "/sonarqube"}, "http://sq.internal:9001/sonarqube"},
		{SystemSettings{"sonar.core.serverBaseURL": "  "}, "http://localhost:9000"},
	} {
		if got := tt.s.FallbackBaseURL(); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.s, got, tt.want)
		}
		if _, set := tt.s.BaseURL(); set {
			t.Errorf("%v: BaseURL set", tt.s)
		}
	}
}

func TestSystemInfoErrors(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"no settings section": `{"Health":"GREEN","System":{}}`,
		"settings not object": `{"Settings":[]}`,
		"array":               `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle("/api/system/info", answer(200, "application/json", body))
			if _, err := c.SystemInfoSettings(context.Background()); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
