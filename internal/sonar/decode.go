package sonar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"sonar-preflight/internal/httpx"
)

// decodeError is a 2xx answer that is not what SonarQube sends.
func decodeError(resp *httpx.Response, msg string, cause error) *httpx.Error {
	e := resp.Err(msg)
	e.Kind = httpx.KindDecode
	e.Err = cause
	return e
}

// expectJSON rejects a body that is not JSON before decoding it, so that a
// proxy's or sign-in page's HTML is named for what it is rather than
// reported as a JSON syntax error.
func expectJSON(resp *httpx.Response) error {
	body := bytes.TrimSpace(resp.Body)
	mt := mediaType(resp)
	if len(body) == 0 {
		return decodeError(resp, "expected JSON but got an empty body", nil)
	}
	if body[0] != '<' && (isJSONMedia(mt) || mt == "" && (body[0] == '{' || body[0] == '[')) {
		return nil
	}
	return decodeError(resp, "expected JSON but got "+describeBody(mt, body), nil)
}

func mediaType(resp *httpx.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt
}

func isJSONMedia(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// describeBody names a body that is not SonarQube's JSON, for a message.
func describeBody(mt string, body []byte) string {
	what := mt
	if what == "" {
		what = "a body without Content-Type"
	}
	if mt == "text/html" || mt == "application/xhtml+xml" || len(body) > 0 && body[0] == '<' {
		if what != "text/html" && what != "application/xhtml+xml" {
			what += " that looks like HTML"
		}
		what += " (a proxy, load balancer or sign-in page answered)"
		if t := httpx.HTMLTitle(body, 80); t != "" {
			what += fmt.Sprintf(": page title %q", t)
		}
		return what
	}
	if s := snippet(string(body), 80); s != "" {
		what += fmt.Sprintf(": %q", s)
	}
	return what
}

// snippet collapses whitespace and cuts s to at most max runes.
func snippet(s string, max int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// errorMessage is the server's own explanation of a failed answer: the
// messages of SonarQube's {"errors":[{"msg":...}]} body joined with "; ",
// or a description of whatever else answered. An empty body (SonarQube's 401)
// gives "".
func errorMessage(resp *httpx.Response) string {
	if msgs, ok := decodeErrors(resp.Body); ok {
		return strings.Join(msgs, "; ")
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return ""
	}
	mt := mediaType(resp)
	if isJSONMedia(mt) && body[0] != '<' {
		return "" // JSON, but not SonarQube's error shape: nothing to quote
	}
	return "not SonarQube's JSON but " + describeBody(mt, body)
}

// decodeErrors reads SonarQube's error body. ok is false when body is not
// that shape or carries no message.
func decodeErrors(body []byte) (msgs []string, ok bool) {
	var e struct {
		Errors []struct {
			Msg string `json:"msg"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, false
	}
	for _, m := range e.Errors {
		if s := strings.TrimSpace(m.Msg); s != "" {
			msgs = append(msgs, s)
		}
	}
	return msgs, len(msgs) > 0
}

// errMissing reports a required field absent from an answer.
func errMissing(field string) error {
	return fmt.Errorf("the answer has no %q field", field)
}

func unmarshal(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("unexpected JSON: %w", err)
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

func decodeStatus(body []byte) (*Status, error) {
	var s Status
	if err := unmarshal(body, &s); err != nil {
		return nil, err
	}
	if s.Status == "" {
		return nil, errMissing("status")
	}
	return &s, nil
}

func decodeValidate(body []byte) (bool, error) {
	var v struct {
		Valid *bool `json:"valid"`
	}
	if err := unmarshal(body, &v); err != nil {
		return false, err
	}
	if v.Valid == nil {
		return false, errMissing("valid")
	}
	return *v.Valid, nil
}

func decodeCurrentUser(body []byte) (*CurrentUser, error) {
	var u struct {
		CurrentUser
		IsLoggedIn *bool `json:"isLoggedIn"`
	}
	if err := unmarshal(body, &u); err != nil {
		return nil, err
	}
	if u.IsLoggedIn == nil {
		return nil, errMissing("isLoggedIn")
	}
	cu := u.CurrentUser
	cu.IsLoggedIn = *u.IsLoggedIn
	return &cu, nil
}

type settingsAnswer struct {
	Settings []struct {
		Key         string              `json:"key"`
		Value       *string             `json:"value"`
		Values      []string            `json:"values"`
		FieldValues []map[string]string `json:"fieldValues"`
	} `json:"settings"`
	SetSecuredSettings []string `json:"setSecuredSettings"`
}

func decodeSettings(body []byte) (*settingsAnswer, error) {
	var s settingsAnswer
	if err := unmarshal(body, &s); err != nil {
		return nil, err
	}
	if s.Settings == nil {
		return nil, errMissing("settings")
	}
	return &s, nil
}

// lookup finds key in the answer. A secured setting that has a value is
// reported set with an empty value: SonarQube never returns it (9.1+).
func (s *settingsAnswer) lookup(key string) (value string, set bool) {
	for _, st := range s.Settings {
		if st.Key != key {
			continue
		}
		switch {
		case st.Value != nil:
			return *st.Value, true
		case st.Values != nil:
			return strings.Join(st.Values, ","), true
		}
		return "", true
	}
	for _, k := range s.SetSecuredSettings {
		if k == key {
			return "", true
		}
	}
	return "", false
}

func decodeDefinitions(body []byte) (*Definitions, error) {
	var d Definitions
	if err := unmarshal(body, &d); err != nil {
		return nil, err
	}
	if d.Azure == nil && d.GitHub == nil && d.GitLab == nil && d.Bitbucket == nil && d.BitbucketCloud == nil {
		// SonarQube always writes every array, even empty ones.
		return nil, errMissing("azure")
	}
	return &d, nil
}

func decodeAlmList(body []byte) ([]AlmSetting, error) {
	var l struct {
		AlmSettings []AlmSetting `json:"almSettings"`
	}
	if err := unmarshal(body, &l); err != nil {
		return nil, err
	}
	if l.AlmSettings == nil {
		return nil, errMissing("almSettings")
	}
	return l.AlmSettings, nil
}

func decodeBinding(body []byte) (*Binding, error) {
	var b Binding
	if err := unmarshal(body, &b); err != nil {
		return nil, err
	}
	if b.Key == "" {
		return nil, errMissing("key")
	}
	if b.Alm == "" {
		return nil, errMissing("alm")
	}
	return &b, nil
}
