package azdo

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Identity is a user as connectionData reports it.
type Identity struct {
	ID                  string
	Descriptor          string
	SubjectDescriptor   string
	ProviderDisplayName string
	IsActive            bool
	Account             string // properties.Account: the sign-in name
	Mail                string // properties.Mail, when the service sends it
}

// ConnectionData is who the service thinks is calling.
type ConnectionData struct {
	AuthenticatedUser Identity
	AuthorizedUser    Identity
	InstanceID        string // the organization's or collection's host id
	DeploymentID      string
	DeploymentType    string // "hosted" (Services) or "onPremises"
	// UserData is the X-VSS-UserData header, "{user id}:{account}", sent
	// once an identity is established.
	UserData string
}

// Anonymous reports whether the service answered as the anonymous user.
func (c *ConnectionData) Anonymous() bool {
	return strings.EqualFold(c.AuthenticatedUser.ID, AnonymousUserID)
}

// Repository is a Git repository.
type Repository struct {
	ID            string
	Name          string
	Project       ProjectRef
	DefaultBranch string // "refs/heads/main"; empty for an empty repository
	IsDisabled    bool
	WebURL        string
}

// ProjectRef is the project a repository belongs to.
type ProjectRef struct {
	ID         string
	Name       string
	Visibility string // "private" or "public" (TeamProjectReference.visibility); empty when not sent
}

// Public reports whether the project is public: visible to everyone, with
// full Azure Repos access for Stakeholders.
func (p ProjectRef) Public() bool { return strings.EqualFold(p.Visibility, "public") }

// Entitlement is a user's access level in a Services organization.
type Entitlement struct {
	AccountLicenseType string // none, earlyAdopter, express, professional, advanced, stakeholder
	LicenseDisplayName string // "Basic", "Stakeholder", "Visual Studio Enterprise subscription"...
	LicensingSource    string // none, account, msdn, profile, auto, trial
	MsdnLicenseType    string // none, eligible, professional, platforms, testProfessional, premium, ultimate, enterprise
	Status             string // none, active, disabled, deleted, pending, expired, pendingDisabled
	LastAccessedDate   time.Time
}

// errorBody is Azure DevOps' JSON error:
// {"$id":"1","innerException":null,"message":"...","typeName":"...","typeKey":"...","errorCode":0,"eventId":3000}
type errorBody struct {
	Message  string `json:"message"`
	TypeName string `json:"typeName"`
	TypeKey  string `json:"typeKey"`
}

func decodeErrorBody(b []byte) (errorBody, error) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil {
		return errorBody{}, err
	}
	return eb, nil
}

// property is one entry of an identity's PropertiesCollection:
// {"$type":"System.String","$value":"..."}.
type property struct {
	Value json.RawMessage `json:"$value"`
}

func (p property) text() string {
	var s string
	if json.Unmarshal(p.Value, &s) != nil {
		return ""
	}
	return s
}

type wireIdentity struct {
	ID                  string              `json:"id"`
	Descriptor          string              `json:"descriptor"`
	SubjectDescriptor   string              `json:"subjectDescriptor"`
	ProviderDisplayName string              `json:"providerDisplayName"`
	IsActive            bool                `json:"isActive"`
	Properties          map[string]property `json:"properties"`
}

func (w wireIdentity) identity() Identity {
	return Identity{
		ID:                  w.ID,
		Descriptor:          w.Descriptor,
		SubjectDescriptor:   w.SubjectDescriptor,
		ProviderDisplayName: w.ProviderDisplayName,
		IsActive:            w.IsActive,
		Account:             w.Properties["Account"].text(),
		Mail:                w.Properties["Mail"].text(),
	}
}

func decodeConnectionData(b []byte) (*ConnectionData, error) {
	var w struct {
		AuthenticatedUser *wireIdentity `json:"authenticatedUser"`
		AuthorizedUser    *wireIdentity `json:"authorizedUser"`
		InstanceID        string        `json:"instanceId"`
		DeploymentID      string        `json:"deploymentId"`
		DeploymentType    string        `json:"deploymentType"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.AuthenticatedUser == nil || w.AuthenticatedUser.ID == "" {
		return nil, errors.New("connectionData without authenticatedUser.id")
	}
	cd := &ConnectionData{
		AuthenticatedUser: w.AuthenticatedUser.identity(),
		InstanceID:        w.InstanceID,
		DeploymentID:      w.DeploymentID,
		DeploymentType:    w.DeploymentType,
	}
	if w.AuthorizedUser != nil {
		cd.AuthorizedUser = w.AuthorizedUser.identity()
	}
	return cd, nil
}

func decodeRepository(b []byte) (*Repository, error) {
	var w struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Project *struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			Visibility string `json:"visibility"`
		} `json:"project"`
		DefaultBranch string `json:"defaultBranch"`
		IsDisabled    bool   `json:"isDisabled"`
		WebURL        string `json:"webUrl"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.ID == "" || w.Project == nil || w.Project.ID == "" {
		return nil, errors.New("repository without id or project id")
	}
	return &Repository{
		ID:            w.ID,
		Name:          w.Name,
		Project:       ProjectRef{ID: w.Project.ID, Name: w.Project.Name, Visibility: w.Project.Visibility},
		DefaultBranch: w.DefaultBranch,
		IsDisabled:    w.IsDisabled,
		WebURL:        w.WebURL,
	}, nil
}

func decodeProject(b []byte) (*ProjectRef, error) {
	var w struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Visibility string `json:"visibility"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, errors.New("project without id")
	}
	return &ProjectRef{ID: w.ID, Name: w.Name, Visibility: w.Visibility}, nil
}

// decodePermissions reads {"count":N,"value":[true,...]}.
func decodePermissions(b []byte) ([]bool, error) {
	var w struct {
		Value []bool `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if len(w.Value) == 0 {
		return nil, errors.New("permissions answer without values")
	}
	return w.Value, nil
}

func decodeEntitlement(b []byte) (*Entitlement, error) {
	var w struct {
		AccessLevel *struct {
			AccountLicenseType string `json:"accountLicenseType"`
			LicenseDisplayName string `json:"licenseDisplayName"`
			LicensingSource    string `json:"licensingSource"`
			MsdnLicenseType    string `json:"msdnLicenseType"`
			Status             string `json:"status"`
		} `json:"accessLevel"`
		LastAccessedDate string `json:"lastAccessedDate"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.AccessLevel == nil {
		return nil, errors.New("user entitlement without accessLevel")
	}
	e := &Entitlement{
		AccountLicenseType: w.AccessLevel.AccountLicenseType,
		LicenseDisplayName: w.AccessLevel.LicenseDisplayName,
		LicensingSource:    w.AccessLevel.LicensingSource,
		MsdnLicenseType:    w.AccessLevel.MsdnLicenseType,
		Status:             w.AccessLevel.Status,
	}
	// The date is a hint (inactivity); an unreadable one is left zero
	// rather than failing the whole answer.
	// Year 1 ("0001-01-01T08:00:00Z" in the service's own examples) means never.
	if t, err := time.Parse(time.RFC3339Nano, w.LastAccessedDate); err == nil && t.Year() > 1 {
		e.LastAccessedDate = t
	}
	return e, nil
}
