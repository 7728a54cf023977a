package txn

import (
	"go/token"

	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
)

// ValuesOf returns the values that carry the parameter p of fn, in fn and
// in its closures: p itself, a closure's free variable bound to it, and the
// loads of the variable p is kept in when a closure captures it by
// reference (t := new(T); *t = p; the closure loads its free variable).
func ValuesOf(fn *ssa.Function, p *ssa.Parameter) []ssa.Value {
	out := []ssa.Value{p}
	loads := func(addr ssa.Value) {
		for _, ref := range catalog.Referrers(addr) {
			if load, ok := ref.(*ssa.UnOp); ok && load.Op == token.MUL {
				out = append(out, load)
			}
		}
	}
	// bound calls visit for each free variable a closure of fn binds to v.
	bound := func(v ssa.Value, visit func(*ssa.FreeVar)) {
		for _, ref := range catalog.Referrers(v) {
			mc, ok := ref.(*ssa.MakeClosure)
			if !ok {
				continue
			}
			anon, ok := mc.Fn.(*ssa.Function)
			if !ok || anon.Parent() != fn {
				continue
			}
			for i, b := range mc.Bindings {
				if b == v && i < len(anon.FreeVars) {
					visit(anon.FreeVars[i])
				}
			}
		}
	}
	bound(p, func(fv *ssa.FreeVar) { out = append(out, fv) })
	for _, ref := range catalog.Referrers(p) {
		st, ok := ref.(*ssa.Store)
		if !ok || st.Val != p {
			continue
		}
		if cell, ok := st.Addr.(*ssa.Alloc); ok {
			loads(cell)
			bound(cell, func(fv *ssa.FreeVar) { loads(fv) })
		}
	}
	return out
}
