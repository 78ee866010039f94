package simulator

import "sort"

// Scenarios returns every scenario, the default first, then by name.
func Scenarios() []Scenario {
	var all []Scenario
	all = append(all, sonarScenarios()...)
	all = append(all, azdoScenarios()...)
	all = append(all, githubScenarios()...)
	sort.SliceStable(all, func(i, j int) bool {
		if (all[i].Name == DefaultScenario) != (all[j].Name == DefaultScenario) {
			return all[i].Name == DefaultScenario
		}
		return all[i].Name < all[j].Name
	})
	return all
}

// DefaultScenario is what `demo` runs without --scenario: it shows at least
// one failure and its remedy.
const DefaultScenario = "base-url-unset"

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}
