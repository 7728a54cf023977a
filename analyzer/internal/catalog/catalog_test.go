package catalog_test

import (
	"fmt"
	"go/types"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/passes/buildssa"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
)

// probe reports every classified call with its parameters' Go values, so
// the catalog's answers can be checked with // want comments.
var probe = &analysis.Analyzer{
	Name:       "probe",
	Doc:        "report the catalog's view of each call",
	Requires:   []*analysis.Analyzer{catalog.Analyzer, buildssa.Analyzer},
	ResultType: reflect.TypeFor[struct{}](),
	Run: func(pass *analysis.Pass) (any, error) {
		cat := pass.ResultOf[catalog.Analyzer].(*catalog.Catalog)
		for _, fn := range pass.ResultOf[buildssa.Analyzer].(*buildssa.SSA).SrcFuncs {
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					call, ok := instr.(ssa.CallInstruction)
					if !ok {
						continue
					}
					c := cat.Of(call.Common())
					if c == nil {
						continue
					}
					var args []string
					for n := 1; n <= c.Stmt.NumParams; n++ {
						v, field := c.Arg(n)
						s := "?"
						if v != nil {
							s = strings.TrimPrefix(v.Name(), "")
							if mi, ok := v.(*ssa.MakeInterface); ok {
								s = mi.X.String()
							}
							if p, ok := v.(*ssa.Parameter); ok {
								s = p.Name()
							}
						}
						if field != "" {
							s += "." + field
						}
						args = append(args, fmt.Sprintf("$%d=%s", n, s))
					}
					exec := "?"
					if c.Exec != nil {
						exec = types.TypeString(c.Exec.Type(), func(p *types.Package) string { return p.Name() })
					}
					pass.Reportf(call.Pos(), "%s: %s [%s] exec %s fields %v", c.Name, c.Stmt.Describe(), strings.Join(args, " "), exec, c.ResultFields())
				}
			}
		}
		return struct{}{}, nil
	},
}

// testdataRoot is the testdata tree shared by all txvet analyzers.
func testdataRoot(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCatalog(t *testing.T) {
	analysistest.Run(t, testdataRoot(t), probe, "catalogtest")
}
