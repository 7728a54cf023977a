package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lockstep-dev/lockstep/analyzer/suite"
)

// sarifSchema is the SARIF 2.1.0 JSON schema (2.1.0-rtm.5, the standard's
// final schema) as the npm package @microsoft/jest-sarif 1.0.0-beta.0 ships
// it in lib/schemas/sarif-2.1.0-rtm.5.json.
const sarifSchema = "testdata/sarif-schema-2.1.0.json"

// TestSARIF runs txvet -sarif over the shop module, which has a finding of
// each analyzer, validates the log against the SARIF 2.1.0 schema and checks
// the rules, locations, code flows and fixes.
func TestSARIF(t *testing.T) {
	if testing.Short() {
		t.Skip("builds txvet and loads a module with real dependencies")
	}
	txvet := buildTxvet(t)
	shop, err := filepath.Abs(filepath.Join("..", "..", "analyzer", "internal", "testdata", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(txvet, "-sarif",
		"-txvet.beginfuncs=(example.com/shop/store.Runner).InTx",
		"-publishintx.funcs=(example.com/shop/store.Events).Emit",
		"./...")
	cmd.Dir = shop
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off") // the module is shared testdata: never rewrite it
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("txvet -sarif: %v\n%s", err, stderr.String())
	}

	if err := validate(stdout.Bytes()); err != nil {
		t.Fatal(err)
	}
	// The schema does refuse a log that breaks it.
	if err := validate(bytes.Replace(stdout.Bytes(), []byte(`"version": "2.1.0"`), []byte(`"version": "2.0"`), 1)); err == nil {
		t.Fatal("the schema accepts a log of version 2.0")
	}

	var log sarifLog
	if err := json.Unmarshal(stdout.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]

	t.Run("rules", func(t *testing.T) {
		rules := run.Tool.Driver.Rules
		if len(rules) != len(suite.Analyzers) {
			t.Fatalf("got %d rules, want one per analyzer", len(rules))
		}
		for i, a := range suite.Analyzers {
			r := rules[i]
			title, _, _ := strings.Cut(a.Doc, "\n")
			if r.ID != a.Name || r.ShortDescription.Text != title || r.FullDescription.Text != a.Doc ||
				r.HelpURI != "https://github.com/lockstep-dev/lockstep#"+a.Name {
				t.Errorf("rule %d: got %+v, want %s described by its doc, help at its README section", i, r, a.Name)
			}
		}
	})

	t.Run("results", func(t *testing.T) {
		want := []struct {
			rule string
			line int
			flow []int // the lines of the code flow's steps
		}{
			{"lostupdate", 21, []int{18, 21}},
			{"getorcreate", 42, []int{40, 42}},
			{"publishintx", 57, []int{49, 57, 60}}, // begin, publish, commit
			{"publishintx", 69, []int{65, 69}},
			{"publishintx", 83, []int{75, 83, 86}},
			{"lostupdate", 100, []int{97, 100}},
		}
		if len(run.Results) != len(want) {
			t.Errorf("got %d results, want %d (Restock's is silenced)", len(run.Results), len(want))
		}
		for _, w := range want {
			r := run.find(w.rule, w.line)
			if r == nil {
				t.Errorf("no %s result at line %d", w.rule, w.line)
				continue
			}
			if rule := run.Tool.Driver.Rules[r.RuleIndex]; rule.ID != w.rule {
				t.Errorf("%s result at line %d: ruleIndex %d names %s", w.rule, w.line, r.RuleIndex, rule.ID)
			}
			loc := r.Locations[0].PhysicalLocation
			if loc.ArtifactLocation.URI != "orders/orders.go" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
				t.Errorf("%s result at line %d: artifact %+v, want orders/orders.go under %%SRCROOT%%", w.rule, w.line, loc.ArtifactLocation)
			}
			if len(r.RelatedLocations) == 0 || r.RelatedLocations[0].Message.Text == "" {
				t.Errorf("%s result at line %d: no related location with a message", w.rule, w.line)
			}
			var flow []int
			if len(r.CodeFlows) == 1 && len(r.CodeFlows[0].ThreadFlows) == 1 {
				for _, s := range r.CodeFlows[0].ThreadFlows[0].Locations {
					flow = append(flow, s.Location.PhysicalLocation.Region.StartLine)
				}
			}
			if !slices.Equal(flow, w.flow) {
				t.Errorf("%s result at line %d: code flow through lines %v, want %v", w.rule, w.line, flow, w.flow)
			}
		}
	})

	t.Run("fixes", func(t *testing.T) {
		// Audit reads a literal SQL row in the transaction that writes it
		// back: the only finding with a fix.
		var fixed []string
		for _, r := range run.Results {
			if len(r.Fixes) > 0 {
				fixed = append(fixed, r.RuleID)
			}
		}
		r := run.find("lostupdate", 100)
		if r == nil || len(r.Fixes) != 1 || len(fixed) != 1 {
			t.Fatalf("want one fix, on the lostupdate result at line 100; results with fixes: %v", fixed)
		}
		changes := r.Fixes[0].ArtifactChanges
		if len(changes) != 1 || len(changes[0].Replacements) != 1 || changes[0].ArtifactLocation.URI != "orders/orders.go" {
			t.Fatalf("fix: got %+v, want one replacement in orders/orders.go", changes)
		}
		rep := changes[0].Replacements[0]
		if rep.InsertedContent.Text != " FOR UPDATE" || rep.DeletedRegion.StartLine != 97 || rep.DeletedRegion.ByteLength != 0 {
			t.Errorf("fix: got %+v, want \" FOR UPDATE\" inserted on line 97", rep)
		}
	})
}

// validate checks a SARIF log against the SARIF 2.1.0 JSON schema.
func validate(log []byte) error {
	f, err := os.Open(sarifSchema)
	if err != nil {
		return err
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schemaDoc); err != nil {
		return err
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		return fmt.Errorf("txvet -sarif output is not JSON: %w", err)
	}
	if err := schema.Validate(inst); err != nil {
		return fmt.Errorf("txvet -sarif output does not match the SARIF 2.1.0 schema: %w", err)
	}
	return nil
}

// The parts of a SARIF log the test reads.
type (
	sarifLog struct {
		Runs []sarifRun
	}
	sarifRun struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID               string
					ShortDescription sarifText
					FullDescription  sarifText
					HelpURI          string
				}
			}
		}
		Results []sarifResult
	}
	sarifResult struct {
		RuleID           string
		RuleIndex        int
		Locations        []sarifLocation
		RelatedLocations []sarifLocation
		CodeFlows        []struct {
			ThreadFlows []struct {
				Locations []struct{ Location sarifLocation }
			}
		}
		Fixes []struct {
			ArtifactChanges []struct {
				ArtifactLocation sarifArtifact
				Replacements     []struct {
					DeletedRegion   sarifRegion
					InsertedContent sarifText
				}
			}
		}
	}
	sarifLocation struct {
		PhysicalLocation struct {
			ArtifactLocation sarifArtifact
			Region           sarifRegion
		}
		Message sarifText
	}
	sarifArtifact struct {
		URI       string
		URIBaseID string `json:"uriBaseId"`
	}
	sarifRegion struct {
		StartLine  int
		ByteLength int
	}
	sarifText struct{ Text string }
)

// find returns the result of rule at line, or nil.
func (run *sarifRun) find(rule string, line int) *sarifResult {
	for i, r := range run.Results {
		if r.RuleID == rule && len(r.Locations) > 0 && r.Locations[0].PhysicalLocation.Region.StartLine == line {
			return &run.Results[i]
		}
	}
	return nil
}
