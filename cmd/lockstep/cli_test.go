package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list    string
		want    string // role names joined, or the error's substring
		wantErr bool
	}{
		{"api", "api", false},
		{" relay , api", "relay,api", false},
		{"api,bogus", `unknown role "bogus"`, true},
		{"executor,results,relay,webhooks", "executor,results,relay,webhooks", false},
		{"api,api", `role "api" given twice`, true},
		{"", `unknown role ""`, true},
	}
	for _, tt := range tests {
		selected, err := parseRoles(tt.list)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseRoles(%q) error = %v, want %q", tt.list, err, tt.want)
			}
			continue
		}
		var names []string
		for _, r := range selected {
			names = append(names, r.name)
		}
		if err != nil || strings.Join(names, ",") != tt.want {
			t.Errorf("parseRoles(%q) = %v, %v; want %s", tt.list, names, err, tt.want)
		}
	}
}

func TestSpecFromFlags(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "job.json")
	if err := os.WriteFile(file, []byte(`{"steps": [{"handler": "sleep", "params": {"ms": 5}}], "input": {"n": 1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := specFromFlags(file, "", "")
	if err != nil || len(spec.Steps) != 1 || spec.Steps[0].Handler != "sleep" || string(spec.Steps[0].Params) != `{"ms": 5}` {
		t.Errorf("from file = %+v, %v", spec, err)
	}
	spec, err = specFromFlags("", "uppercase, sleep", `{"text": "hi"}`)
	if err != nil || len(spec.Steps) != 2 || spec.Steps[1].Handler != "sleep" || string(spec.Input) != `{"text": "hi"}` {
		t.Errorf("from flags = %+v, %v", spec, err)
	}
	for _, bad := range [][3]string{{file, "uppercase", ""}, {"", "", ""}, {filepath.Join(t.TempDir(), "missing.json"), "", ""}} {
		if _, err := specFromFlags(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("specFromFlags(%q) succeeded", bad)
		}
	}
}

func TestParseWithJobIDAcceptsFlagsOnEitherSide(t *testing.T) {
	t.Parallel()
	const id = "77ef8132-34bb-4f3e-974f-349f7ad485cc"
	for _, args := range [][]string{{id, "--json"}, {"--json", id}} {
		fs := flag.NewFlagSet("status", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "")
		got, err := parseWithJobID(fs, args)
		if err != nil || got.String() != id || !*asJSON {
			t.Errorf("parseWithJobID(%q) = %s, json %v, %v", args, got, *asJSON, err)
		}
	}
	for _, args := range [][]string{{}, {"42"}, {id, "extra"}} {
		fs := flag.NewFlagSet("status", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := parseWithJobID(fs, args); err == nil {
			t.Errorf("parseWithJobID(%q) succeeded", args)
		}
	}
}
