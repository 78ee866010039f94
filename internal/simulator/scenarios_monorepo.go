package simulator

// monorepoScenarios cover issue 9's rule 10: several SonarQube projects
// bound to one repository without the monorepo setting.
func monorepoScenarios() []Scenario {
	sc := func(name, summary string, own bool, others []SonarSharedBinding, version, status, words string) Scenario {
		s := HealthySonar()
		if version != "" {
			s.Version = version
		}
		s.Binding.Monorepo = own
		s.SharedBindings = others
		return Scenario{Name: name, Summary: summary, Sonar: s,
			Expect:     sonarExpect(checkSonarBinding, status),
			ExpectText: map[string]string{checkSonarBinding: words}}
	}
	legacy := SonarSharedBinding{ProjectKey: "fabrikam-web-legacy", Repository: defaultRepo, Slug: defaultProject}
	legacyMono := legacy
	legacyMono.Monorepo = true
	// Same repository name in another Azure DevOps project: not shared.
	elsewhere := SonarSharedBinding{ProjectKey: "contoso-web-app", Repository: defaultRepo, Slug: "Contoso"}
	return []Scenario{
		sc("monorepo-shared", "Another SonarQube project is bound to the same repository and this binding lacks the monorepo setting: their pull-request decorations overwrite each other.",
			false, []SonarSharedBinding{legacy, elsewhere}, "", "warn", "is also bound to project fabrikam-web-legacy, and this binding lacks the monorepo setting"),
		sc("monorepo-other-unmarked", "This project is marked monorepo, but another one bound to the same repository is not: a warning.",
			true, []SonarSharedBinding{legacy}, "", "warn", "project fabrikam-web-legacy lacks the monorepo setting"),
		sc("monorepo-all-marked", "Two projects share the repository, both marked monorepo: every check passes.",
			true, []SonarSharedBinding{legacyMono}, "", "pass", "all marked monorepo"),
		sc("monorepo-not-checkable", "SonarQube 9.9 cannot list which projects share a repository: a note, never a failure.",
			false, []SonarSharedBinding{legacy}, "9.9.8.100196", "pass", "was not checked: this SonarQube has no /api/v2/dop-translation/project-bindings"),
	}
}
