package suite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/lockstep-dev/lockstep/analyzer/internal/testmod"
	"github.com/lockstep-dev/lockstep/analyzer/publishintx"
	"github.com/lockstep-dev/lockstep/analyzer/suite"
)

// TestTogether runs all of txvet's analyzers in one process, as the txvet
// command does, over the shared testdata, the race lab's naive ports and
// the sqlx module and the flow module (built against the real pgx/v5).
// The checker runs the analyzers of one package in parallel, so they share
// the results of txn and the catalog at the same time: under -race this
// test fails when such a result is written after its Run returned. Each
// analyzer must also report exactly what it reports when run alone.
func TestTogether(t *testing.T) {
	if err := publishintx.Analyzer.Flags.Set("funcs", "(*publishintx/notify.Bus).Emit"); err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	loads := []struct {
		name string
		cfg  *packages.Config
	}{
		{"testdata", &packages.Config{
			Dir: filepath.Join(testdata, "src"),
			Env: append(os.Environ(), "GOPATH="+testdata, "GO111MODULE=off", "GOPROXY=off", "GOFLAGS="),
		}},
		{"naive ports", &packages.Config{Dir: filepath.Join(root, "scenarios", "naive")}},
		// sqlx against the real library: destinations, rebinds, embedded
		// transactions through the shared results.
		{"sqlx", &packages.Config{Dir: filepath.Join(testdata, "sqlxmod")}},
		{"flow module", &packages.Config{
			Dir: filepath.Join(testdata, "flowmod"),
			Env: append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly"),
		}},
		// GORM chains modelled against the real library: the statements
		// the catalog builds are read by every check at once.
		{"GORM", &packages.Config{Dir: testmod.Dir(t, "gormmod")}},
	}
	for _, l := range loads {
		t.Run(l.name, func(t *testing.T) {
			l.cfg.Mode = packages.LoadAllSyntax
			pkgs, err := packages.Load(l.cfg, "./...")
			if err != nil {
				t.Fatal(err)
			}
			if packages.PrintErrors(pkgs) > 0 {
				t.Fatal("packages do not load")
			}
			together := run(t, suite.Analyzers, pkgs)
			if len(together) == 0 {
				t.Fatal("the analyzers report nothing together")
			}
			var alone []string
			for _, a := range suite.Analyzers {
				alone = append(alone, run(t, []*analysis.Analyzer{a}, pkgs)...)
			}
			slices.Sort(alone)
			for _, d := range missing(alone, together) {
				t.Errorf("reported only together: %s", d)
			}
			for _, d := range missing(together, alone) {
				t.Errorf("reported only alone: %s", d)
			}
		})
	}
}

// run applies analyzers to pkgs and returns their diagnostics, sorted, as
// "file:line:col: analyzer: message".
func run(t *testing.T, analyzers []*analysis.Analyzer, pkgs []*packages.Package) []string {
	t.Helper()
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for act := range graph.All() {
		if act.Err != nil {
			t.Errorf("%s: %v", act, act.Err)
		}
		if !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			posn := act.Package.Fset.Position(d.Pos)
			out = append(out, fmt.Sprintf("%s: %s: %s", posn, act.Analyzer.Name, d.Message))
		}
	}
	slices.Sort(out)
	return out
}

// missing returns the diagnostics of from that are not in list.
func missing(list, from []string) []string {
	var out []string
	for _, d := range from {
		if !slices.Contains(list, d) {
			out = append(out, d)
		}
	}
	return out
}
