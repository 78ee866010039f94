package simulator

func sonarScenarios() []Scenario { return nil }
