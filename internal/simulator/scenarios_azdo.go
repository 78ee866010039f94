package simulator

func azdoScenarios() []Scenario { return nil }
