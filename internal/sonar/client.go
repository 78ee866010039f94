// Package sonar is a client for the parts of the SonarQube Web API that tell
// whether a server is ready for pull-request analysis from Azure Pipelines:
// status, token, settings and the DevOps Platform (ALM) records and bindings.
// It knows SonarQube (paths, answers, version quirks) and nothing about
// checks or findings.
//
// Every failure is an *httpx.Error whose text is one line: method, redacted
// URL, status and SonarQube's own message.
package sonar

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// ErrInvalidBaseURL is returned by New for a base URL it cannot use.
var ErrInvalidBaseURL = errors.New("sonar: invalid base URL")

// Client talks to one SonarQube server with one token.
type Client struct {
	base  *url.URL // no trailing slash; keeps any context path
	token secret.Secret
	hc    *http.Client
	ua    string
}

// Option tunes a Client.
type Option func(*Client)

// WithVersion names this tool's version in the User-Agent
// ("sonar-preflight/<v>"), so that server administrators can tell our
// requests apart in their access logs.
func WithVersion(v string) Option {
	return func(c *Client) {
		if v = strings.Join(strings.Fields(v), "_"); v != "" {
			c.ua = "sonar-preflight/" + v
		}
	}
}

// New returns a client for the server at baseURL, which may carry a context
// path (https://host/sonarqube); every request keeps it. hc should not follow
// redirects (a redirect is reported as such); nil means a client that does not.
func New(baseURL string, token secret.Secret, hc *http.Client, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		// url.Error repeats the input, which may hold credentials: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidBaseURL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: scheme must be http or https", ErrInvalidBaseURL)
	case u.Host == "":
		return nil, fmt.Errorf("%w: no host", ErrInvalidBaseURL)
	case u.User != nil:
		return nil, fmt.Errorf("%w: it must not carry credentials", ErrInvalidBaseURL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%w: it must not carry a query or fragment", ErrInvalidBaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	c := &Client{base: u, token: token, hc: hc, ua: "sonar-preflight/dev"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// WithToken returns a client for the same server that sends another token
// (for example an admin token for the checks that need Administer System).
func (c *Client) WithToken(t secret.Secret) *Client {
	cp := *c
	cp.token = t
	return &cp
}

// BaseURL returns the server URL the client was built with, context path
// included, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// get sends GET {base}/{path}?{q}. The token always travels as Basic
// base64(token+":"): SonarQube 9.9 ignores Bearer, and Basic works on every
// version since.
func (c *Client) get(ctx context.Context, path string, q url.Values, accept string) (*httpx.Response, error) {
	u := c.base.JoinPath(strings.Split(path, "/")...)
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &httpx.Error{Method: http.MethodGet, URL: httpx.RedactURL(u), Kind: httpx.KindOther, Err: err}
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.ua)
	if !c.token.Empty() {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.token.Value()+":")))
	}
	resp, err := httpx.Fetch(ctx, c.hc, req, 0)
	if err != nil {
		return nil, c.scrub(err)
	}
	return resp, nil
}

// getOK is get followed by the status check: any 2xx answer is returned,
// anything else becomes an *httpx.Error.
func (c *Client) getOK(ctx context.Context, path string, q url.Values, accept string) (*httpx.Response, error) {
	resp, err := c.get(ctx, path, q, accept)
	if err != nil {
		return nil, err
	}
	if err := c.checkStatus(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// getJSON fetches path and decodes its JSON answer with decode.
func getJSON[T any](ctx context.Context, c *Client, path string, q url.Values, decode func([]byte) (T, error)) (T, error) {
	resp, err := c.getOK(ctx, path, q, "application/json")
	if err != nil {
		var zero T
		return zero, err
	}
	return decodeJSON(c, resp, decode)
}

// decodeJSON decodes a successful answer that must be JSON.
func decodeJSON[T any](c *Client, resp *httpx.Response, decode func([]byte) (T, error)) (T, error) {
	var zero T
	if err := expectJSON(resp); err != nil {
		return zero, c.scrub(err)
	}
	v, err := decode(resp.Body)
	if err != nil {
		return zero, c.scrub(decodeError(resp, err.Error(), err))
	}
	return v, nil
}

func (c *Client) checkStatus(resp *httpx.Response) error {
	switch {
	case resp.Status >= 200 && resp.Status < 300:
		return nil
	case resp.Status >= 300 && resp.Status < 400:
		e := resp.Err("")
		e.Kind = httpx.KindRedirect
		if e.Location != "" {
			e.Message = "redirected to " + e.Location
		}
		return c.scrub(e)
	}
	return c.scrub(resp.Err(errorMessage(resp)))
}

// scrub removes every form of the token from an error's text, in case a
// server or proxy echoes what it was sent.
func (c *Client) scrub(err error) error {
	var he *httpx.Error
	if c.token.Empty() || !errors.As(err, &he) {
		return err
	}
	for _, f := range secret.Forms(c.token.Value()) {
		he.Message = strings.ReplaceAll(he.Message, f, secret.Mask)
		he.URL = strings.ReplaceAll(he.URL, f, secret.Mask)
		he.Location = strings.ReplaceAll(he.Location, f, secret.Mask)
	}
	return err
}
