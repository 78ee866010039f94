package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
)

// DefaultMaxBody caps every response body read through Fetch.
const DefaultMaxBody = 4 << 20

// Response is a fully read, capped response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    string // redacted request URL
	Method string
}

// ActivityID returns the Azure DevOps support identifiers of the response.
func (r *Response) ActivityID() string {
	for _, h := range []string{"ActivityId", "X-TFS-Session", "X-VSS-E2EID"} {
		if v := r.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// Err builds a status error for this response with the server's own message.
func (r *Response) Err(message string) *Error {
	e := &Error{
		Method:      r.Method,
		URL:         r.URL,
		Kind:        KindStatus,
		Status:      r.Status,
		Message:     message,
		ContentType: r.Header.Get("Content-Type"),
		ActivityID:  r.ActivityID(),
	}
	if loc := r.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			e.Location = RedactURL(u)
		}
	}
	return e
}

// Fetch sends req with c and reads at most maxBody bytes of the answer
// (DefaultMaxBody when maxBody <= 0). Any status is returned as a Response;
// only transport failures (and an over-long body) are errors, typed *Error.
func Fetch(ctx context.Context, c *http.Client, req *http.Request, maxBody int64) (*Response, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	req = req.WithContext(ctx)
	red := RedactURL(req.URL)
	resp, err := c.Do(req)
	if err != nil {
		return nil, transportError(req.Method, red, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && int64(len(body)) > maxBody {
		err = &BodyLimitError{Limit: maxBody}
	}
	if err != nil {
		e := transportError(req.Method, red, err)
		e.Status = 0
		return nil, e
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: red, Method: req.Method}, nil
}

func transportError(method, redURL string, err error) *Error {
	// url.Error repeats the unredacted URL; keep only its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Method: method, URL: redURL, Kind: Classify(err), Err: err}
}
