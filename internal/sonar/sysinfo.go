package sonar

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Setting keys this tool reads.
const (
	KeyServerBaseURL = "sonar.core.serverBaseURL"
	keyWebHost       = "sonar.web.host"
	keyWebPort       = "sonar.web.port"
	keyWebContext    = "sonar.web.context"
)

// SystemSettings is the "Settings" section of api/system/info: the
// effective value of every property, system settings (sonar.properties, the
// environment, -D) over database (UI) ones, as ThreadLocalSettings merges
// them; passwords and *.secured values are masked
// (server/sonar-webserver-core/.../platform/monitoring/SettingsSection.java,
// platform/ws/InfoAction.java, info-example.json).
type SystemSettings map[string]string

// SystemInfoSettings reads api/system/info and returns its Settings
// section. It needs Administer System (403 Insufficient privileges
// otherwise). The rest of the answer (database, JVM, plugins) is decoded
// no further and kept nowhere.
func (c *Client) SystemInfoSettings(ctx context.Context) (SystemSettings, error) {
	return getJSON(ctx, c, "api/system/info", nil, decodeSystemInfoSettings)
}

func decodeSystemInfoSettings(body []byte) (SystemSettings, error) {
	var top map[string]json.RawMessage
	if err := unmarshal(body, &top); err != nil {
		return nil, err
	}
	raw, ok := top["Settings"]
	if !ok {
		return nil, errMissing("Settings")
	}
	var attrs map[string]json.RawMessage
	if err := unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	out := make(SystemSettings, len(attrs))
	for k, v := range attrs {
		// SettingsSection writes strings; keep other scalars readable.
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		out[k] = strings.TrimSpace(string(v))
	}
	return out, nil
}

// BaseURL returns the effective sonar.core.serverBaseURL; set is false
// when neither layer sets it.
func (s SystemSettings) BaseURL() (value string, set bool) {
	v, ok := s[KeyServerBaseURL]
	if !ok || strings.TrimSpace(v) == "" {
		return "", false
	}
	return v, true
}

// FallbackBaseURL is the URL SonarQube builds its links from when
// sonar.core.serverBaseURL is unset: http:// + sonar.web.host (localhost
// when empty or 0.0.0.0) + :sonar.web.port (9000 when unset; none for 80)
// + sonar.web.context (server/sonar-server-common/.../platform/UrlSettings.java).
func (s SystemSettings) FallbackBaseURL() string {
	host := strings.TrimSpace(s[keyWebHost])
	if host == "" || host == "0.0.0.0" {
		host = "localhost"
	}
	port, _ := strconv.Atoi(strings.TrimSpace(s[keyWebPort]))
	var b strings.Builder
	b.WriteString("http://" + host)
	switch {
	case port < 1:
		b.WriteString(":9000")
	case port != 80:
		fmt.Fprintf(&b, ":%d", port)
	}
	b.WriteString(strings.TrimSpace(s[keyWebContext]))
	return b.String()
}
