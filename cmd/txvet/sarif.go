package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"go/token"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/lockstep-dev/lockstep/analyzer/suite"
)

// sarifRequested reports whether the command line, up to its first
// argument that is not a flag, turns -sarif on.
func sarifRequested(args []string) bool {
	for _, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") {
			return false
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "sarif" {
			continue
		}
		if !hasValue {
			return true
		}
		on, err := strconv.ParseBool(value)
		return err == nil && on
	}
	return false
}

// runSARIF is txvet -sarif: it loads the packages named on the command
// line, runs the analyzers the flags leave on, and prints one SARIF 2.1.0
// log on stdout. Like -json, it exits 0 whatever it found, so the log can be
// uploaded; it exits 1 when the packages do not load or an analyzer fails.
func runSARIF(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("txvet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("sarif", true, "print the findings as SARIF 2.1.0 on stdout")
	tests := fs.Bool("test", true, "also analyze test packages")
	suite.RegisterFlags(fs)
	enabled := make(map[*analysis.Analyzer]*bool)
	for _, a := range suite.Analyzers {
		enabled[a] = fs.Bool(a.Name, true, "enable "+a.Name+" analysis")
		a.Flags.VisitAll(func(f *flag.Flag) {
			fs.Var(f.Value, a.Name+"."+f.Name, f.Usage)
		})
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var analyzers []*analysis.Analyzer
	for _, a := range suite.Analyzers {
		if *enabled[a] {
			analyzers = append(analyzers, a)
		}
	}
	pkgs, err := packages.Load(&packages.Config{Mode: packages.LoadAllSyntax, Tests: *tests}, fs.Args()...)
	if err != nil {
		fmt.Fprintf(stderr, "txvet: load packages: %v\n", err)
		return 1
	}
	if packages.PrintErrors(pkgs) > 0 {
		return 1
	}
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	if err != nil {
		fmt.Fprintf(stderr, "txvet: %v\n", err)
		return 1
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "txvet: %v\n", err)
		return 1
	}
	log := newSARIFLog(wd, analyzers)
	failed := false
	seen := make(map[string]bool) // a package and its test variant share files
	for _, act := range graph.Roots {
		if act.Err != nil {
			fmt.Fprintf(stderr, "txvet: %s: %v\n", act, act.Err)
			failed = true
			continue
		}
		for _, d := range act.Diagnostics {
			r := log.result(act.Package.Fset, act.Analyzer, d)
			key, _ := json.Marshal(r)
			if !seen[string(key)] {
				seen[string(key)] = true
				log.Runs[0].Results = append(log.Runs[0].Results, r)
			}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		fmt.Fprintf(stderr, "txvet: write SARIF: %v\n", err)
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// The subset of SARIF 2.1.0 that txvet writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool               sarifTool                        `json:"tool"`
		OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
		Results            []sarifResult                    `json:"results"`
		ruleIndex          map[string]int
		srcRoot            string
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
		FullDescription  sarifMessage `json:"fullDescription"`
		HelpURI          string       `json:"helpUri"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID           string          `json:"ruleId"`
		RuleIndex        int             `json:"ruleIndex"`
		Level            string          `json:"level"`
		Message          sarifMessage    `json:"message"`
		Locations        []sarifLocation `json:"locations"`
		RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
		CodeFlows        []sarifCodeFlow `json:"codeFlows,omitempty"`
		Fixes            []sarifFix      `json:"fixes,omitempty"`
	}
	sarifLocation struct {
		ID               *int                  `json:"id,omitempty"`
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
		Message          *sarifMessage         `json:"message,omitempty"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
		// Set only for a region with an end: a fix's replacement, or a
		// finding whose diagnostic has one.
		ByteOffset *int `json:"byteOffset,omitempty"`
		ByteLength *int `json:"byteLength,omitempty"`
	}
	sarifCodeFlow struct {
		ThreadFlows []sarifThreadFlow `json:"threadFlows"`
	}
	sarifThreadFlow struct {
		Locations []sarifThreadFlowLocation `json:"locations"`
	}
	sarifThreadFlowLocation struct {
		Location sarifLocation `json:"location"`
	}
	sarifFix struct {
		Description     sarifMessage          `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Replacements     []sarifReplacement    `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifRegion   `json:"deletedRegion"`
		InsertedContent *sarifMessage `json:"insertedContent,omitempty"`
	}
)

// srcRootID is the base the results' paths are relative to: the directory
// txvet ran in, which code-scanning services take as the checkout's root.
const srcRootID = "%SRCROOT%"

func newSARIFLog(wd string, analyzers []*analysis.Analyzer) *sarifLog {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "txvet",
			InformationURI: "https://github.com/lockstep-dev/lockstep#txvet",
		}},
		OriginalURIBaseIDs: map[string]sarifArtifactLocation{
			srcRootID: {URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(wd) + "/"}).String()},
		},
		Results:   []sarifResult{},
		ruleIndex: make(map[string]int),
		srcRoot:   wd,
	}
	for _, a := range analyzers {
		title, _, _ := strings.Cut(a.Doc, "\n")
		run.ruleIndex[a.Name] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               a.Name,
			ShortDescription: sarifMessage{Text: title},
			FullDescription:  sarifMessage{Text: a.Doc},
			HelpURI:          a.URL,
		})
	}
	return &sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
}

// result turns one diagnostic into a result. Its related positions become
// relatedLocations, and, with the finding, the steps of a code flow in
// source order: the read, then the write; the check, then the insert; the
// begin, the publish, then the commit.
func (l *sarifLog) result(fset *token.FileSet, a *analysis.Analyzer, d analysis.Diagnostic) sarifResult {
	run := &l.Runs[0]
	r := sarifResult{
		RuleID:    a.Name,
		RuleIndex: run.ruleIndex[a.Name],
		Level:     "warning",
		Message:   sarifMessage{Text: d.Message},
		Locations: []sarifLocation{run.location(fset, d.Pos, d.End, "")},
	}
	type step struct {
		pos token.Pos
		loc sarifLocation
	}
	steps := []step{{d.Pos, run.location(fset, d.Pos, d.End, d.Message)}}
	for i, rel := range d.Related {
		loc := run.location(fset, rel.Pos, rel.End, rel.Message)
		id := i + 1
		loc.ID = &id
		r.RelatedLocations = append(r.RelatedLocations, loc)
		steps = append(steps, step{rel.Pos, run.location(fset, rel.Pos, rel.End, rel.Message)})
	}
	if len(steps) > 1 {
		slices.SortStableFunc(steps, func(x, y step) int {
			px, py := fset.Position(x.pos), fset.Position(y.pos)
			return cmp.Or(cmp.Compare(px.Filename, py.Filename), cmp.Compare(px.Offset, py.Offset))
		})
		var flow sarifThreadFlow
		for _, s := range steps {
			flow.Locations = append(flow.Locations, sarifThreadFlowLocation{Location: s.loc})
		}
		r.CodeFlows = []sarifCodeFlow{{ThreadFlows: []sarifThreadFlow{flow}}}
	}
	for _, fix := range d.SuggestedFixes {
		r.Fixes = append(r.Fixes, run.fix(fset, fix))
	}
	return r
}

// location is the region from pos to end (pos alone when end is unset),
// with a message when one is given.
func (run *sarifRun) location(fset *token.FileSet, pos, end token.Pos, message string) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{
		ArtifactLocation: run.artifact(fset.Position(pos).Filename),
		Region:           region(fset, pos, end),
	}}
	if message != "" {
		loc.Message = &sarifMessage{Text: message}
	}
	return loc
}

// artifact names a file relative to the source root when it lies under it,
// else by its absolute file URI.
func (run *sarifRun) artifact(filename string) sarifArtifactLocation {
	if rel, err := filepath.Rel(run.srcRoot, filename); err == nil && filepath.IsLocal(rel) {
		return sarifArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(rel)}).String(), URIBaseID: srcRootID}
	}
	return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(filename)}).String()}
}

func region(fset *token.FileSet, pos, end token.Pos) sarifRegion {
	start := fset.Position(pos)
	r := sarifRegion{StartLine: start.Line, StartColumn: start.Column}
	if end.IsValid() && end >= pos {
		stop := fset.Position(end)
		length := stop.Offset - start.Offset
		r.EndLine, r.EndColumn, r.ByteOffset, r.ByteLength = stop.Line, stop.Column, &start.Offset, &length
	}
	return r
}

// fix turns a suggested fix into its replacements, grouped by file in the
// order they appear.
func (run *sarifRun) fix(fset *token.FileSet, fix analysis.SuggestedFix) sarifFix {
	f := sarifFix{Description: sarifMessage{Text: fix.Message}}
	byFile := make(map[string]int)
	for _, e := range fix.TextEdits {
		name := fset.Position(e.Pos).Filename
		i, ok := byFile[name]
		if !ok {
			i = len(f.ArtifactChanges)
			byFile[name] = i
			f.ArtifactChanges = append(f.ArtifactChanges, sarifArtifactChange{ArtifactLocation: run.artifact(name)})
		}
		end := e.End
		if !end.IsValid() {
			end = e.Pos
		}
		rep := sarifReplacement{DeletedRegion: region(fset, e.Pos, end)}
		if len(e.NewText) > 0 {
			rep.InsertedContent = &sarifMessage{Text: string(e.NewText)}
		}
		f.ArtifactChanges[i].Replacements = append(f.ArtifactChanges[i].Replacements, rep)
	}
	return f
}
