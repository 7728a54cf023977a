package txn_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
)

// probe reports, at every call of a function named probe, the transactions
// open there; at every call of handle(h), the transaction h refers to.
var probe = &analysis.Analyzer{
	Name:     "probe",
	Doc:      "reports txn's view at probe() and handle() calls",
	Requires: []*analysis.Analyzer{txn.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		res := pass.ResultOf[txn.Analyzer].(*txn.Result)
		for _, fn := range res.SrcFuncs {
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					call, ok := instr.(*ssa.Call)
					if !ok {
						continue
					}
					callee := call.Common().StaticCallee()
					if callee == nil {
						continue
					}
					switch callee.Name() {
					case "probe":
						var open []string
						for _, tx := range res.Open(call) {
							open = append(open, fmt.Sprintf("%s (%s)", res.Describe(tx), tx.Isolation))
						}
						sort.Strings(open)
						if len(open) == 0 {
							open = []string{"none"}
						}
						pass.Reportf(call.Pos(), "open: %s", strings.Join(open, "; "))
					case "handle":
						tx := res.Of(call.Call.Args[0])
						desc := "none"
						if tx != nil {
							desc = res.Describe(tx.Root())
							if tx.Parent != nil {
								desc = "savepoint of " + desc
							}
							if res.EndedAt(tx, call) {
								desc += ", ended"
							}
						}
						pass.Reportf(call.Pos(), "handle: %s", desc)
					}
				}
			}
		}
		return nil, nil
	},
}

func TestTxn(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Analyzer.Flags.Set("beginfuncs", "txntest/helpers.Custom,(*txntest/helpers.Store).Atomically"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, probe, "txntest/helpers", "txntest")
}

func TestFuncSet(t *testing.T) {
	s := txn.FuncSet{}
	if err := s.Set("a/b.F, (*a/b.T).M,(a/b.U).N"); err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "a/b.F,a/b.T.M,a/b.U.N"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"F", "(*T).M", "(*a/b.T)"} {
		if err := (txn.FuncSet{}).Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded, want an error", bad)
		}
	}
}
