package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"sonar-preflight/scripts/bench/critpath"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		xs     []int
		p      float64
		want   int
		reason string
	}{
		{nil, 50, 0, "empty"},
		{[]int{7}, 90, 7, "one value"},
		{[]int{5, 1, 4, 2, 3}, 50, 3, "odd count, unsorted"},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5, "nearest rank 5 of 10"},
		{[]int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 90, 9, "nearest rank 9 of 10"},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 100, 10, "maximum"},
	}
	for _, tt := range tests {
		if got := percentile(tt.xs, tt.p); got != tt.want {
			t.Errorf("%s: percentile(%v, %v) = %d, want %d", tt.reason, tt.xs, tt.p, got, tt.want)
		}
	}
}

func TestExpectedStatus(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		"GET sonar.contoso.example/api/system/status":                           200,
		"GET app.vssps.visualstudio.com/_apis/connectionData?api-version=3.0":   401,
		"GET sonar.contoso.example/api/alm_settings/validate?key=ado":           204,
		"GET dev.azure.com/contoso/Fabrikam/_apis/git/repositories/web-app?x=1": 200,
		"GET unknown.example/anything":                                          200,
	}
	for line, want := range tests {
		if got := expectedStatus(line); got != want {
			t.Errorf("%s: %d, want %d", line, got, want)
		}
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	path, err := critpath.Critical(critpath.Model)
	if err != nil {
		t.Fatal(err)
	}
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	critical := path.Length * 50
	good := func() *results {
		return &results{
			binaryBytes: 9_000_000, path: path,
			wall: ms(critical+10, critical+20, critical+30), firstOut: ms(1, 1, 1),
			requests: []int{13, 13, 13}, repeated: []int{0, 0, 0},
			version: ms(2, 3, 4), curlWall: ms(800, 900, 1000), curlReqs: 13,
		}
	}
	tests := []struct {
		name string
		edit func(*results)
		want []bool // ratio, repeated, start, size
		text string
	}{
		{"all met", func(*results) {}, []bool{true, true, true, true}, "speed-up"},
		{"slow", func(r *results) { r.wall = ms(critical*2, critical*2, critical*2) }, []bool{false, true, true, true}, "2.00"},
		{"one repeat in one run", func(r *results) { r.repeated = []int{0, 1, 0} }, []bool{true, false, true, true}, "FAIL"},
		{"slow start", func(r *results) { r.version = ms(25, 30, 35) }, []bool{true, true, false, true}, "30 ms"},
		{"big binary", func(r *results) { r.binaryBytes = 15_000_001 }, []bool{true, true, true, false}, "15.0 MB"},
		{"unknown request", func(r *results) { r.unknown = []string{"GET x/y", "GET x/y"} }, []bool{false, true, true, true}, "does not know"},
		{"no curl", func(r *results) { r.curlSkipped = "curl is not installed"; r.curlWall = nil }, []bool{true, true, true, true}, "skipped, curl is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := good()
			tt.edit(r)
			var out bytes.Buffer
			got := report(&out, options{runs: 3, latency: 50 * time.Millisecond}, r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("verdicts %v, want %v\n%s", got, tt.want, out.String())
			}
			if !strings.Contains(out.String(), tt.text) {
				t.Errorf("output lacks %q:\n%s", tt.text, out.String())
			}
		})
	}
}
