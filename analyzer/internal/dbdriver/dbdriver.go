// Package dbdriver tells which databases a package's database/sql code may
// talk to, for the txvet analyzers whose rules depend on the database: it
// looks at the driver packages the package and its dependencies import and
// at the driver names passed to sql.Open, as listed in apis.Drivers.
//
// API (from analysis.Pass.ResultOf[dbdriver.Analyzer].(*dbdriver.Result)):
//
//	r.AbortsOnError() whether a failed statement is taken to abort a database/sql transaction
//
// Facts: a package fact on packages that import a known driver, directly
// or through a dependency.
package dbdriver

import (
	"go/ast"
	"go/constant"
	"go/types"
	"reflect"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
)

// Analyzer finds the database/sql drivers in sight of a package. It reports
// nothing; its result is a *Result.
var Analyzer = &analysis.Analyzer{
	Name:       "txvetdriver",
	Doc:        "find the database/sql drivers a package and its dependencies import",
	Run:        run,
	ResultType: reflect.TypeFor[*Result](),
	FactTypes:  []analysis.Fact{new(driversFact)},
}

// Result says which kinds of database the package's database/sql code may
// reach.
type Result struct {
	// Aborting is set when a driver of a database that aborts a
	// transaction on a failed statement (PostgreSQL) is in sight.
	Aborting bool
	// NonAborting is set when a driver of one that does not (SQLite,
	// MySQL) is.
	NonAborting bool
}

// AbortsOnError reports whether a failed statement is taken to abort a
// database/sql transaction of the package: unless the only drivers in
// sight are of databases that undo just the statement. With no driver in
// sight (it is often imported by main, which the package cannot see),
// PostgreSQL, the database txvet's rules are written for, is assumed.
func (r *Result) AbortsOnError() bool { return r.Aborting || !r.NonAborting }

// driversFact records the drivers a package imports, directly or not.
type driversFact Result

func (*driversFact) AFact()         {}
func (*driversFact) String() string { return "drivers" }

func run(pass *analysis.Pass) (any, error) {
	r := new(Result)
	add := func(aborting bool) {
		if aborting {
			r.Aborting = true
		} else {
			r.NonAborting = true
		}
	}
	usesSQL := false
	for _, imp := range pass.Pkg.Imports() {
		if d := apis.DriverOf(imp.Path(), ""); d != nil {
			add(d.AbortsOnError)
		}
		var f driversFact
		if pass.ImportPackageFact(imp, &f) {
			r.Aborting = r.Aborting || f.Aborting
			r.NonAborting = r.NonAborting || f.NonAborting
		}
		usesSQL = usesSQL || imp.Path() == "database/sql"
	}
	if usesSQL {
		for _, file := range pass.Files {
			ast.Inspect(file, func(n ast.Node) bool {
				if name, ok := openedDriver(pass.TypesInfo, n); ok {
					if d := apis.DriverOf("", name); d != nil {
						add(d.AbortsOnError)
					}
				}
				return true
			})
		}
	}
	if r.Aborting || r.NonAborting {
		f := driversFact(*r)
		pass.ExportPackageFact(&f)
	}
	return r, nil
}

// openedDriver returns the constant driver name of a sql.Open call.
func openedDriver(info *types.Info, n ast.Node) (string, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return "", false
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "database/sql" || fn.Name() != "Open" {
		return "", false
	}
	tv := info.Types[call.Args[0]]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}
