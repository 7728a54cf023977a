package apis

import (
	"go/ast"
	"go/constant"
	"go/types"
	"reflect"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer decides once per package what it can touch: a database or a
// broker (it imports one of the libraries' Packages, or a package that
// does), and which database/sql drivers are in sight (imported by it or its
// dependencies, or named to sql.Open). Imports are followed through a
// package fact. The libraries' own packages touch nothing: their API is
// this table. The result is a *Uses.
var Analyzer = &analysis.Analyzer{
	Name:       "txvetapis",
	Doc:        "decide whether a package can touch a database or a message broker, and through which drivers",
	Run:        run,
	ResultType: reflect.TypeFor[*Uses](),
	FactTypes:  []analysis.Fact{new(Uses)},
}

// Uses says what a package can touch, directly or through its imports.
type Uses struct {
	Database bool
	Broker   bool
	// Aborting is set when a driver of a database that aborts a
	// transaction on a failed statement (PostgreSQL) is in sight;
	// NonAborting when one of a database that does not (SQLite, MySQL) is.
	Aborting, NonAborting bool
}

// AFact marks Uses as a package fact.
func (*Uses) AFact() {}

func (u *Uses) String() string {
	switch {
	case u.Database && u.Broker:
		return "uses a database and a broker"
	case u.Broker:
		return "uses a broker"
	}
	return "uses a database"
}

// AbortsOnError reports whether a failed statement is taken to abort a
// database/sql transaction of the package: unless the only drivers in
// sight are of databases that undo just the statement. With no driver in
// sight (it is often imported by main, which the package cannot see),
// PostgreSQL, the database txvet's rules are written for, is assumed.
func (u *Uses) AbortsOnError() bool { return u.Aborting || !u.NonAborting }

func (u *Uses) addDriver(d *Driver) {
	if d == nil {
		return
	}
	u.Aborting = u.Aborting || d.AbortsOnError
	u.NonAborting = u.NonAborting || !d.AbortsOnError
}

func run(pass *analysis.Pass) (any, error) {
	u := new(Uses)
	if Own(pass.Pkg.Path()) {
		return u, nil
	}
	for _, imp := range pass.Pkg.Imports() {
		for _, l := range Libraries {
			if slices.Contains(l.Packages, imp.Path()) {
				u.Database = u.Database || !l.Broker
				u.Broker = u.Broker || l.Broker
			}
		}
		u.addDriver(DriverOf(imp.Path(), ""))
		var dep Uses
		if pass.ImportPackageFact(imp, &dep) {
			u.Database = u.Database || dep.Database
			u.Broker = u.Broker || dep.Broker
			u.Aborting = u.Aborting || dep.Aborting
			u.NonAborting = u.NonAborting || dep.NonAborting
		}
	}
	if u.Database {
		for _, file := range pass.Files {
			ast.Inspect(file, func(n ast.Node) bool {
				if name, ok := openedDriver(pass.TypesInfo, n); ok {
					u.addDriver(DriverOf("", name))
				}
				return true
			})
		}
	}
	if *u != (Uses{}) {
		fact := *u
		pass.ExportPackageFact(&fact)
	}
	return u, nil
}

// openedDriver returns the constant driver name of a sql.Open call.
func openedDriver(info *types.Info, n ast.Node) (string, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return "", false
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || FuncName(fn) != "database/sql.Open" {
		return "", false
	}
	tv := info.Types[call.Args[0]]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}
