package ignore_test

import (
	"go/ast"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/internal/ignore"
)

// flagBad reports every call of a function named bad, through a Reporter.
var flagBad = &analysis.Analyzer{
	Name: "flagbad",
	Doc:  "reports calls of bad",
	Run: func(pass *analysis.Pass) (any, error) {
		rep := ignore.New(pass)
		defer rep.Finish()
		for _, f := range pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "bad" {
						rep.Report(analysis.Diagnostic{Pos: call.Pos(), Message: "call of bad"})
					}
				}
				return true
			})
		}
		return nil, nil
	},
}

func TestIgnore(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, flagBad, "ignoretest")
}
