package apis

import (
	"reflect"
	"slices"

	"golang.org/x/tools/go/analysis"
)

// Analyzer decides once per package whether it can touch a database or a
// broker: it imports one of the libraries' Packages, or a package that does
// (followed through a package fact). The libraries' own packages touch
// nothing: their API is this table. The result is a *Uses.
var Analyzer = &analysis.Analyzer{
	Name:       "txvetapis",
	Doc:        "decide whether a package can touch a database or a message broker",
	Run:        run,
	ResultType: reflect.TypeFor[*Uses](),
	FactTypes:  []analysis.Fact{new(Uses)},
}

// Uses says what a package can touch, directly or through its imports.
type Uses struct {
	Database bool
	Broker   bool
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
		var dep Uses
		if pass.ImportPackageFact(imp, &dep) {
			u.Database = u.Database || dep.Database
			u.Broker = u.Broker || dep.Broker
		}
	}
	if u.Database || u.Broker {
		pass.ExportPackageFact(&Uses{Database: u.Database, Broker: u.Broker})
	}
	return u, nil
}
