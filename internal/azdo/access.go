package azdo

import (
	"fmt"
	"strings"
)

// Level is what an access level allows with code.
type Level string

// Levels.
const (
	// LevelBasic: Basic or higher, Visual Studio subscribers of the kinds
	// Microsoft lists included: full Azure Repos access.
	LevelBasic Level = "basic"
	// LevelStakeholder: no code in private projects, full Azure Repos
	// access in public ones.
	LevelStakeholder Level = "stakeholder"
	// LevelNone: no license assigned (accountLicenseType "none").
	LevelNone Level = "none"
	// LevelUnknown: a license this tool cannot map to code access from
	// Microsoft's documentation (for example msdnLicenseType "eligible").
	LevelUnknown Level = "unknown"
)

// Visual Studio subscriptions that Microsoft's "About access levels" page
// (learn.microsoft.com/azure/devops/organizations/security/access-levels)
// says the service recognises and grants at least Basic: Visual Studio
// Enterprise, Professional, Test Professional and MSDN Platforms. The keys
// are the msdnLicenseType values of the MemberEntitlementManagement REST
// spec (vsts-rest-api-specs, memberEntitlementManagement/7.1, AccessLevel).
// "eligible", "premium" and "ultimate" are in the enum but not on that
// list, so they are not counted.
var visualStudioSubscriptions = map[string]string{
	"enterprise":       "Visual Studio Enterprise",
	"professional":     "Visual Studio Professional",
	"testprofessional": "Visual Studio Test Professional",
	"platforms":        "MSDN Platforms",
}

// Account licenses (accountLicenseType) that include Azure Repos.
// "express" is Basic and "advanced" Basic + Test Plans (the service's own
// licenseDisplayName for them); "professional" and "earlyAdopter" are the
// older paid and early-adopter licenses, which included code.
var codeLicenses = map[string]string{
	"express":      "Basic",
	"advanced":     "Basic + Test Plans",
	"professional": "Professional",
	"earlyadopter": "Early Adopter",
}

// Level maps the license fields to what they allow with code. Which field
// counts depends on licensingSource, as the REST spec says: "To use the
// AccountLicenseType, LicensingSource should be defined as 'account'" and
// "To use the MsdnLicenseType, LicensingSource should be defined as
// 'msdn'". A Visual Studio subscriber assigned Basic or Stakeholder gets the
// subscription's benefits on sign-in (access-levels page), after which the
// source reads msdn.
func (e *Entitlement) Level() Level {
	level, _ := e.classify()
	return level
}

// Basis says which license fields the level rests on, in words a person can
// compare with Organization settings > Users, e.g. `a Visual Studio
// Enterprise subscription (licensingSource "msdn", msdnLicenseType
// "enterprise")`.
func (e *Entitlement) Basis() string {
	_, basis := e.classify()
	return basis
}

func (e *Entitlement) classify() (Level, string) {
	source := strings.ToLower(e.LicensingSource)
	account := strings.ToLower(e.AccountLicenseType)
	msdn := strings.ToLower(e.MsdnLicenseType)
	// The fields a basis rests on, as Organization settings > Users and the
	// REST answer name them.
	srcF := fmt.Sprintf("licensingSource %q", e.LicensingSource)
	accountF := fmt.Sprintf("accountLicenseType %q", e.AccountLicenseType)
	msdnF := fmt.Sprintf("msdnLicenseType %q", e.MsdnLicenseType)
	fields := func(fs ...string) string { return "(" + strings.Join(fs, ", ") + ")" }
	if source == "msdn" {
		if name, ok := visualStudioSubscriptions[msdn]; ok {
			return LevelBasic, "a " + name + " subscription " + fields(srcF, msdnF)
		}
		return LevelUnknown, "a Visual Studio subscription of a type Microsoft does not list as including Basic " + fields(srcF, msdnF)
	}
	switch {
	case account == "stakeholder":
		return LevelStakeholder, "Stakeholder access " + fields(srcF, accountF)
	case codeLicenses[account] != "":
		return LevelBasic, codeLicenses[account] + " access " + fields(srcF, accountF)
	}
	if _, ok := visualStudioSubscriptions[msdn]; ok {
		// A subscription named while the source is not msdn: the spec says
		// msdnLicenseType is not in effect then, so it proves nothing
		// either way.
		return LevelUnknown, "no account license, and a Visual Studio subscription that is not the licensing source " + fields(srcF, accountF, msdnF)
	}
	if account != "none" {
		// Empty, or a license type this tool does not know (the spec's
		// enum may grow): nothing says the user lacks code access.
		return LevelUnknown, "a license this tool cannot map to code access " + fields(srcF, accountF)
	}
	return LevelNone, "no license " + fields(srcF, accountF)
}
