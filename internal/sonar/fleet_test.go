package sonar

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestFleetListings(t *testing.T) {
	t.Parallel()
	mux, c := setup(t)
	const jsonCT = "application/json"
	// search-example.json of projects/ws/SearchAction.
	mux.Handle("/api/projects/search", expectQuery(t, url.Values{"p": {"2"}, "ps": {"500"}, "qualifiers": {"TRK"}}, answer(200, jsonCT,
		`{"paging":{"pageIndex":2,"pageSize":500,"total":1002},"components":[{"key":"project-key-1","name":"Project Name 1","qualifier":"TRK","visibility":"public","lastAnalysisDate":"2017-03-01T11:39:03+0300","revision":"cfb82f55c6ef32e61828c4cb3db2da12795fd767"},{"key":"project-key-2","name":"Project Name 1","qualifier":"TRK","visibility":"private"}]}`)))
	// DefaultProjectBindingsController: ProjectBindingsSearchRestResponse(projectBindings, page).
	mux.Handle("/api/v2/dop-translation/project-bindings", expectQuery(t, url.Values{"repository": {"web-app"}, "pageIndex": {"1"}, "pageSize": {"500"}}, answer(200, jsonCT,
		`{"projectBindings":[{"id":"uuid_1","devOpsPlatformSettingId":"almSettingUuid_1","projectId":"projectUuid_1","projectKey":"projectKey_1","repository":"web-app","slug":"Fabrikam"}],"page":{"pageIndex":1,"pageSize":500,"total":1}}`)))
	// DefaultDopSettingsController: DopSettingsRestResponse(dopSettings, page).
	mux.Handle("/api/v2/dop-translation/dop-settings", answer(200, jsonCT,
		`{"dopSettings":[{"id":"almSettingUuid_1","type":"azure_devops","key":"ado","url":"https://dev.azure.com/org"},{"id":"u2","type":"github","key":"gh","url":"https://api.github.com","appId":"1"}],"page":{"pageIndex":1,"pageSize":2,"total":2}}`))
	ctx := context.Background()

	p, err := c.SearchProjects(ctx, 2, 500)
	if err != nil || p.Paging.Pages() != 3 || len(p.Components) != 2 || p.Components[0].LastAnalysisDate == "" || p.Components[1].LastAnalysisDate != "" {
		t.Errorf("SearchProjects: %+v, %v", p, err)
	}
	b, err := c.ProjectBindings(ctx, BindingsQuery{Repository: "web-app", PageIndex: 1, PageSize: 500})
	if err != nil || len(b.ProjectBindings) != 1 || b.ProjectBindings[0].ProjectKey != "projectKey_1" || b.ProjectBindings[0].Slug != "Fabrikam" || b.Page.Total != 1 {
		t.Errorf("ProjectBindings: %+v, %v", b, err)
	}
	d, err := c.DopSettings(ctx)
	if err != nil || len(d) != 2 || d[0].Alm() != AlmAzure || d[1].Alm() != AlmGitHub {
		t.Errorf("DopSettings: %+v, %v", d, err)
	}
}

func TestFleetListingFailures(t *testing.T) {
	t.Parallel()
	mux, c := setup(t)
	// 9.9 has no /api/v2: WebServiceEngine's "Unknown url".
	mux.Handle("/api/v2/dop-translation/dop-settings", answer(404, "application/json", `{"errors":[{"msg":"Unknown url : /api/v2/dop-translation/dop-settings"}]}`))
	// v2's RestError for a missing permission (DefaultProjectBindingsControllerTest).
	mux.Handle("/api/v2/dop-translation/project-bindings", answer(403, "application/json", `{"message":"Insufficient privileges"}`))
	mux.Handle("/api/alm_settings/get_binding", answer(500, "application/json", `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`))
	mux.Handle("/api/project_branches/list", answer(404, "application/json", `{"errors":[{"msg":"Project 'k' not found"}]}`))
	ctx := context.Background()
	if _, err := c.DopSettings(ctx); !IsUnavailable(err) {
		t.Errorf("9.9 dop-settings: %v, want unavailable", err)
	}
	_, err := c.ProjectBindings(ctx, BindingsQuery{})
	if !IsInsufficientPrivileges(err) || IsUnavailable(err) || !strings.Contains(err.Error(), "Insufficient privileges") {
		t.Errorf("v2 403: %v", err)
	}
	if _, err := c.Binding(ctx, "k"); !IsServerError(err) {
		t.Errorf("get_binding 500: %v", err)
	}
	if _, err := c.ProjectBranches(ctx, "k"); IsUnavailable(err) || !IsProjectNotFound(err) {
		t.Errorf("a missing project is not a missing API: %v", err)
	}
	_ = http.StatusOK
}
