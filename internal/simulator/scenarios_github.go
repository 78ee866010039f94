package simulator

func githubScenarios() []Scenario { return nil }
