package catalog

import (
	"go/ast"
	"go/types"
	"reflect"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// Implementations returns the methods that a call of the interface method
// m may run: m's namesake on every named type of the program that
// implements m's interface. The program, for a vet tool that sees one
// package at a time, is pkg and the packages it imports, directly or not:
// an implementation that only main wires in is not among them. ok is false
// when m is no interface method or some implementation is not a declared
// method of its own (a method promoted from an embedded field, a func
// field).
func Implementations(pkg *types.Package, m *types.Func) (impls []*types.Func, ok bool) {
	sig, _ := m.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		return nil, false
	}
	iface, isIface := sig.Recv().Type().Underlying().(*types.Interface)
	if !isIface {
		return nil, false
	}
	for _, p := range program(pkg) {
		scope := p.Scope()
		for _, name := range scope.Names() {
			tn, isType := scope.Lookup(name).(*types.TypeName)
			if !isType || tn.IsAlias() {
				continue
			}
			named, isNamed := tn.Type().(*types.Named)
			if !isNamed || named.TypeParams().Len() > 0 || types.IsInterface(named) {
				continue
			}
			var t types.Type = named
			if !types.Implements(t, iface) {
				t = types.NewPointer(named)
				if !types.Implements(t, iface) {
					continue
				}
			}
			obj, _, _ := types.LookupFieldOrMethod(t, true, m.Pkg(), m.Name())
			f, isFunc := obj.(*types.Func)
			if !isFunc || f.Pkg() != tn.Pkg() || isInterfaceMethod(f) {
				return nil, false // promoted from an embedded type, or a func field
			}
			impls = append(impls, f)
		}
	}
	return impls, true
}

// program returns pkg and the packages it imports, directly or not.
func program(pkg *types.Package) []*types.Package {
	seen := map[*types.Package]bool{pkg: true}
	out := []*types.Package{pkg}
	for i := 0; i < len(out); i++ {
		for _, imp := range out[i].Imports() {
			if !seen[imp] {
				seen[imp] = true
				out = append(out, imp)
			}
		}
	}
	return out
}

// Agreed returns the fact every implementation of the interface method m
// has, through fact, when all have one and they are equal; else nil.
func Agreed[F any](pkg *types.Package, m *types.Func, fact func(*types.Func) *F) *F {
	impls, ok := Implementations(pkg, m)
	if !ok || len(impls) == 0 {
		return nil
	}
	var found *F
	for _, f := range impls {
		got := fact(f)
		if got == nil || (found != nil && !reflect.DeepEqual(got, found)) {
			return nil
		}
		found = got
	}
	return found
}

// interfaceCalls gives the interface methods the package calls the
// QueryFact all their implementations agree on (sqlc's Querier, a
// repository interface), so calls through the interface are classified.
// The facts stay in this package's catalog: they hold only as far as the
// program this package sees.
func (c *Catalog) interfaceCalls(pass *analysis.Pass) bool {
	names := make(map[string]bool)
	for fn := range c.facts {
		names[fn.Name()] = true
	}
	found := false
	if c.tried == nil {
		c.tried = make(map[*types.Func]bool)
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			m, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
			if !ok || !names[m.Name()] || !isInterfaceMethod(m) {
				return true
			}
			if _, done := c.facts[m]; done || c.tried[m] {
				return true
			}
			c.tried[m] = true
			if qf := Agreed(pass.Pkg, m, c.fact); qf != nil {
				c.facts[m] = qf
				found = true
			}
			return true
		})
	}
	return found
}

// isInterfaceMethod reports whether f is a method of an interface.
func isInterfaceMethod(f *types.Func) bool {
	recv := f.Type().(*types.Signature).Recv()
	return recv != nil && types.IsInterface(recv.Type())
}
