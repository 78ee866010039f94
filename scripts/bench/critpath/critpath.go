// Package critpath models which requests of a full preflight wait for which
// answers, and derives from it the critical path: the longest chain of
// requests each of which needs an answer of the one before. At a fixed
// latency per request, no schedule can finish sooner than that chain's
// length times the latency, so wall time divided by it measures how well the
// preflight overlaps its requests.
//
// The model lives here, as data, for both the benchmark test (internal/cli)
// and the bench program (scripts/bench). Both fail on a request the model
// does not know, so that a new request cannot slip past it.
package critpath

import (
	"fmt"
	"sort"
	"strings"
)

// Scenario is the simulator scenario the model describes: SonarQube and
// every Azure DevOps check healthy, so that every request is made.
const Scenario = "azdo-healthy"

// Node is one request of the preflight.
type Node struct {
	ID string
	// Request is the start of the simulator's request-log line
	// ("METHOD host/path?query") that identifies this request.
	Request string
	// Status is the answer's status in Scenario when it is not 200.
	Status int
	// After lists alternative ways the request gets started: it is sent once
	// every answer of at least one alternative is in. Several alternatives
	// exist where checks share a lazily fetched answer (internal/preflight
	// lazy.go): whichever check asks first starts the request.
	After [][]string
}

// Model is the full preflight against Scenario. Each link names the code it
// comes from (internal/preflight unless said otherwise); "Needs" is a check's
// Needs list, which the engine honours before running it.
var Model = []Node{
	// sonar.server Needs only config, which sends nothing.
	{ID: "sonar.status", Request: "GET sonar.contoso.example/api/system/status"},
	// azdo.pat Needs only config when SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is
	// set (catalog_azdo.go azdoChecks), as it is in a pipeline.
	{ID: "azdo.connectionData", Request: "GET dev.azure.com/contoso/_apis/connectionData?"},
	// sonar.edition Needs sonar.server, and sends both of its requests at
	// once (catalog_edition.go getEdition), beside sonar.token's.
	{ID: "sonar.navigation", Request: "GET sonar.contoso.example/api/navigation/global", After: [][]string{{"sonar.status"}}},
	{ID: "sonar.features", Request: "GET sonar.contoso.example/api/features/list", After: [][]string{{"sonar.status"}}},
	// sonar.token Needs sonar.server; checkToken sends both at once.
	{ID: "sonar.users.current", Request: "GET sonar.contoso.example/api/users/current", After: [][]string{{"sonar.status"}}},
	{ID: "sonar.validate", Request: "GET sonar.contoso.example/api/authentication/validate", After: [][]string{{"sonar.status"}}},
	// The binding is a shared lazy answer (getBinding) with two first askers:
	// sonar.binding, which Needs sonar.token (both answers above); and
	// azdo.code-read, which Needs azdo.pat and asks for the binding in
	// codeTarget to learn which repository to probe.
	{ID: "sonar.get_binding", Request: "GET sonar.contoso.example/api/alm_settings/get_binding?", After: [][]string{
		{"sonar.users.current", "sonar.validate"},
		{"azdo.connectionData"},
	}},
	// sonar.base-url Needs sonar.token, and sends the UI value's request and,
	// when the (admin) token's user holds Administer System (known from
	// api/users/current), api/system/info for the effective value, at once.
	{ID: "sonar.settings", Request: "GET sonar.contoso.example/api/settings/values?", After: [][]string{{"sonar.users.current", "sonar.validate"}}},
	{ID: "sonar.system_info", Request: "GET sonar.contoso.example/api/system/info", After: [][]string{{"sonar.users.current", "sonar.validate"}}},
	// The records are a shared lazy answer (getRecords): sonar.devops-config
	// (Needs sonar.token) asks, and so does checkBinding once it has the
	// binding. (azdoOrg asks too, but only without a collection URI.)
	{ID: "sonar.list_definitions", Request: "GET sonar.contoso.example/api/alm_settings/list_definitions", After: [][]string{
		{"sonar.users.current", "sonar.validate"},
		{"sonar.users.current", "sonar.validate", "sonar.get_binding"},
	}},
	// azdo.global-pat and azdo.access-level Need azdo.pat; the entitlement is
	// read by the user id connectionData returned. The global host refuses a
	// PAT scoped to one organization: that 401 is the healthy answer
	// (internal/azdo IsGlobalPAT).
	{ID: "azdo.global", Request: "GET app.vssps.visualstudio.com/_apis/connectionData?", Status: 401, After: [][]string{{"azdo.connectionData"}}},
	{ID: "azdo.entitlement", Request: "GET vsaex.dev.azure.com/contoso/_apis/userentitlements/", After: [][]string{{"azdo.connectionData"}}},
	// azdo.code-read Needs azdo.pat and waits in codeTarget for the binding's
	// project and repository names.
	{ID: "azdo.repository", Request: "GET dev.azure.com/contoso/Fabrikam/_apis/git/repositories/web-app?", After: [][]string{
		{"azdo.connectionData", "sonar.get_binding"},
	}},
	// azdo.contribute Needs azdo.code-read: the security token is built from
	// the repository's project and repository ids (internal/azdo RepoToken).
	// Namespace 2e9e… is Git Repositories; bit 4 is Contribute, 16384
	// Contribute to pull requests (internal/azdo client.go).
	{ID: "azdo.permission.contribute", Request: "GET dev.azure.com/contoso/_apis/permissions/2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87/4?", After: [][]string{{"azdo.repository"}}},
	{ID: "azdo.permission.pr", Request: "GET dev.azure.com/contoso/_apis/permissions/2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87/16384?", After: [][]string{{"azdo.repository"}}},
	// sonar.devops-pat Needs sonar.devops-config (the records) and
	// sonar.binding (the binding, and the records it cross-checks), and
	// validates the bound record by its key; a valid record answers 204.
	// sonar.binding (Needs sonar.token) asks, beside the binding, which
	// other projects are bound to the repository the pipeline builds
	// (monorepo.go prefetchSharing; issue 9 rule 10). In Scenario no other
	// project is, so the record ids (dop-settings) are not read.
	{ID: "sonar.project_bindings", Request: "GET sonar.contoso.example/api/v2/dop-translation/project-bindings?", After: [][]string{
		{"sonar.users.current", "sonar.validate"},
	}},
	{ID: "sonar.alm_validate", Request: "GET sonar.contoso.example/api/alm_settings/validate?", Status: 204, After: [][]string{
		{"sonar.list_definitions", "sonar.get_binding", "sonar.project_bindings"},
	}},
	// Pull-request readiness (catalog_pr.go). The branches are a shared lazy
	// answer (getBranches) with two first askers: sonar.pr-target, which
	// Needs sonar.token and first reads the edition (sonar.edition's shared
	// answers, sent at the same depth as sonar.token's: a server without
	// pull-request analysis is not asked); and sonar.main-branch, which
	// Needs sonar.token and comes After azdo.code-read, whose repository
	// answer holds the default branch it compares (reused, not fetched
	// again). repo.history reads local files only and sends nothing.
	{ID: "sonar.project_branches", Request: "GET sonar.contoso.example/api/project_branches/list?", After: [][]string{
		{"sonar.users.current", "sonar.validate", "sonar.navigation", "sonar.features"},
		{"sonar.users.current", "sonar.validate", "azdo.repository"},
	}},
	// azdo.pr-gate Needs azdo.code-read: the policies of one branch are asked
	// for by the repository's and the project's ids (internal/azdo
	// BranchPolicies), filtered to the Status policy type.
	{ID: "azdo.policies", Request: "GET dev.azure.com/contoso/3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b/_apis/git/policy/configurations?", After: [][]string{{"azdo.repository"}}},
}

// Path is the outcome of Critical.
type Path struct {
	Length int      // requests on the longest chain
	Chain  []string // its node ids, first request first
}

func (p Path) String() string { return strings.Join(p.Chain, " → ") }

// Critical returns the longest chain of dependent requests: the deepest
// node and, back from it, the node each depth came from.
func Critical(nodes []Node) (Path, error) {
	g, err := solve(nodes)
	if err != nil || len(nodes) == 0 {
		return Path{}, err
	}
	end := 0
	for i := range nodes {
		if g.depth[i] > g.depth[end] {
			end = i
		}
	}
	var chain []string
	for i := end; i >= 0; i = g.prev[i] {
		chain = append([]string{nodes[i].ID}, chain...)
	}
	return Path{Length: g.depth[end], Chain: chain}, nil
}

// Depths returns each node's depth: the round trip it can be sent in when
// every request takes the same time (1 for a request that waits for none).
func Depths(nodes []Node) (map[string]int, error) {
	g, err := solve(nodes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(nodes))
	for i, n := range nodes {
		out[n.ID] = g.depth[i]
	}
	return out, nil
}

type solution struct {
	depth []int
	prev  []int // the node a depth came from; -1 for none
}

// solve computes depths: a node's depth is one more than the earliest of
// its alternatives, an alternative being ready when the deepest node it
// waits for is.
func solve(nodes []Node) (solution, error) {
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		if n.ID == "" {
			return solution{}, fmt.Errorf("critpath: node %d has no id", i)
		}
		if _, dup := index[n.ID]; dup {
			return solution{}, fmt.Errorf("critpath: duplicate node %q", n.ID)
		}
		index[n.ID] = i
	}
	for _, n := range nodes {
		for _, alt := range n.After {
			if len(alt) == 0 {
				return solution{}, fmt.Errorf("critpath: node %q has an empty alternative", n.ID)
			}
			for _, id := range alt {
				if _, ok := index[id]; !ok {
					return solution{}, fmt.Errorf("critpath: node %q waits for unknown node %q", n.ID, id)
				}
			}
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(nodes))
	g := solution{depth: make([]int, len(nodes)), prev: make([]int, len(nodes))}
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case visiting:
			return fmt.Errorf("critpath: cycle through %q", nodes[i].ID)
		case done:
			return nil
		}
		state[i] = visiting
		best, bestPrev := 1, -1
		for a, alt := range nodes[i].After {
			deepest, from := 0, -1
			for _, id := range alt {
				j := index[id]
				if err := visit(j); err != nil {
					return err
				}
				if g.depth[j] > deepest {
					deepest, from = g.depth[j], j
				}
			}
			if a == 0 || deepest+1 < best {
				best, bestPrev = deepest+1, from
			}
		}
		g.depth[i], g.prev[i], state[i] = best, bestPrev, done
		return nil
	}
	for i := range nodes {
		if err := visit(i); err != nil {
			return solution{}, err
		}
	}
	return g, nil
}

// Match returns the ids of the nodes whose Request starts the log line:
// exactly one for a request the model knows.
func Match(nodes []Node, line string) []string {
	var ids []string
	for _, n := range nodes {
		if strings.HasPrefix(line, n.Request) {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// Tally is one run's request log held against the model.
type Tally struct {
	Requests int            // lines in the log
	Repeated []string       // every occurrence of a line after its first
	Unknown  []string       // lines no node matches, or more than one does
	Hits     map[string]int // node id → requests that matched it
}

// Missing lists the model's nodes that no request matched, in model order.
func (t Tally) Missing(nodes []Node) []string {
	var out []string
	for _, n := range nodes {
		if t.Hits[n.ID] == 0 {
			out = append(out, n.ID)
		}
	}
	return out
}

// Count holds one run's request-log lines against the model. A repeated
// request is the same method and URL sent twice within the run.
func Count(nodes []Node, lines []string) Tally {
	t := Tally{Requests: len(lines), Hits: map[string]int{}}
	seen := map[string]int{}
	for _, l := range lines {
		seen[l]++
		if seen[l] > 1 {
			t.Repeated = append(t.Repeated, l)
		}
		ids := Match(nodes, l)
		if len(ids) != 1 {
			t.Unknown = append(t.Unknown, l)
			continue
		}
		t.Hits[ids[0]]++
	}
	sort.Strings(t.Repeated)
	return t
}
