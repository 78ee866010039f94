package report

import (
	"time"

	"sonar-preflight/internal/preflight"
)

// sample is a report with every status, long and multi-line texts, and the
// characters each format must escape.
func sample() preflight.Report {
	results := []preflight.Result{
		{ID: "sonar.server", Title: "SonarQube answers", Elapsed: 120 * time.Millisecond, Finding: preflight.Finding{
			Status: preflight.Pass, Message: "SonarQube 10.6.0 answers at https://sonar.example.com/sonarqube.",
			Notes: []string{"Edition: developer."},
		}},
		{ID: "sonar.token", Title: "Token is accepted", Elapsed: 80 * time.Millisecond, Finding: preflight.Finding{
			Status:  preflight.Fail,
			Message: "SonarQube rejected the token (HTTP 401): it is unknown, revoked or expired; 100% of calls | fail]\r\nsecond line",
			Remedy: "Create a new token in SonarQube (My Account › Security › Generate Tokens) and store it in the " +
				"service connection's Token field: Project settings › Service connections › SonarQube.\n" +
				"  1. Prefer a project analysis token.\n  2. Re-run the pipeline.",
			Notes: []string{"The token's owner could not be read.", "##vso[task.complete result=Succeeded;]sneaky"},
			Evidence: []preflight.Evidence{{Request: "GET https://sonar.example.com/sonarqube/api/authentication/validate",
				Status: 401, Message: "Unauthorized ``` | <b>", ActivityID: "a1b2"}},
		}},
		{ID: "azdo.pat", Title: "Stored PAT reaches Azure DevOps", Elapsed: 300 * time.Millisecond, Finding: preflight.Finding{
			Status: preflight.Warn, Message: "The PAT expires in 5 days.",
			Remedy: "Renew it in Azure DevOps (User settings › Personal access tokens) and paste it into SonarQube's DevOps Platform settings.",
		}},
		{ID: "sonar.binding", Title: "Project is bound", Finding: preflight.Finding{
			Status: preflight.Skip, Message: "Not run: it needs sonar.token, which failed.",
		}},
	}
	return preflight.Report{Verdict: preflight.Fail, Results: results, Elapsed: 2340 * time.Millisecond}
}

func sampleMeta() Meta {
	return Meta{Version: "1.2.3 (abc1234)", Target: "https://sonar.example.com/sonarqube", ProjectKey: "my_project",
		FailOn: "error", ExitCode: 1}
}
