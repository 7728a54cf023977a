package getorcreate

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// MissFact marks a function that runs one read and tells its caller the
// read found no row in its own way: a sentinel error of the project
// (ErrNotFound), a nil result with a nil error, or a false "found" or
// "exists" result. The caller's test of that sign is a miss, as
// errors.Is(err, pgx.ErrNoRows) is.
type MissFact struct {
	// Sentinel is the error returned on a miss, as "path.Name", or "".
	Sentinel string
	// NilResult is set when the first result is nil, and the error nil, on
	// a miss.
	NilResult bool
	// Found is the bool result that is false on a miss, or -1.
	Found int
}

// AFact marks MissFact as an analysis fact.
func (*MissFact) AFact() {}

func (f *MissFact) String() string {
	switch {
	case f.Sentinel != "":
		return "miss: " + f.Sentinel
	case f.NilResult:
		return "miss: nil, nil"
	}
	return "miss: false"
}

// missFacts derives the MissFacts of the package's functions.
func (c *checker) missFacts() {
	for _, fn := range c.txr.SrcFuncs {
		obj, ok := fn.Object().(*types.Func)
		if !ok || fn.Parent() != nil {
			continue
		}
		var reads []stmtCall
		for _, s := range c.calls(fn) {
			if s.Stmt.Kind == catalog.Read {
				reads = append(reads, s)
			}
		}
		if len(reads) != 1 {
			continue
		}
		f := c.deriveMiss(fn, reads[0])
		if i := c.probeFound(fn, reads[0]); f == nil && i >= 0 {
			f = &MissFact{Found: i}
		}
		if f != nil {
			c.misses[obj] = f
			c.pass.ExportObjectFact(obj, f)
		}
	}
}

// deriveMiss returns how fn tells its caller that the read r found no row:
// what every return on the ErrNoRows branch gives, and no other return
// gives with a nil error.
func (c *checker) deriveMiss(fn *ssa.Function, r stmtCall) *MissFact {
	res := fn.Signature.Results()
	if res.Len() == 0 || !isError(res.At(res.Len()-1).Type()) {
		return nil
	}
	errAt := res.Len() - 1
	var miss, other []*ssa.Return
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || len(ret.Results) != res.Len() {
			continue
		}
		if how := c.missBranchTo(fn, r, ret); how == "ErrNoRows" || how == zeroCount || how == existsFalse || (how != "" && c.missFact(r) != nil && how == c.missFact(r).how()) {
			miss = append(miss, ret)
		} else {
			other = append(other, ret)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	// signs lists what a return says: its sentinel error, a nil first
	// result with a nil error, the bool results that are false with a nil
	// error.
	type sign struct {
		sentinel string
		nilFirst bool
		falseAt  map[int]bool
	}
	signOf := func(ret *ssa.Return) sign {
		s := sign{falseAt: make(map[int]bool)}
		errV := loaded(ret.Results[errAt])
		s.sentinel = globalName(errV)
		if !isNilConst(errV) {
			return s
		}
		s.nilFirst = res.Len() == 2 && isNilConst(loaded(ret.Results[0]))
		for i := 0; i < errAt; i++ {
			if isFalseConst(loaded(ret.Results[i])) {
				s.falseAt[i] = true
			}
		}
		return s
	}
	first := signOf(miss[0])
	f := &MissFact{Found: -1}
	switch {
	case first.sentinel != "" && !isNoRowsName(first.sentinel):
		f.Sentinel = first.sentinel
	case first.nilFirst:
		f.NilResult = true
	case len(first.falseAt) == 1:
		for i := range first.falseAt {
			f.Found = i
		}
	default:
		return nil
	}
	same := func(s sign) bool {
		switch {
		case f.Sentinel != "":
			return s.sentinel == f.Sentinel
		case f.NilResult:
			return s.nilFirst
		}
		return s.falseAt[f.Found]
	}
	for _, ret := range miss[1:] {
		if !same(signOf(ret)) {
			return nil
		}
	}
	for _, ret := range other {
		if same(signOf(ret)) {
			return nil // the sign does not tell a miss apart
		}
	}
	return f
}

// missFact returns the MissFact of the function a read call runs: for an
// interface method (a repository interface), the one all its
// implementations agree on.
func (c *checker) missFact(s stmtCall) *MissFact {
	f := catalog.Callee(s.instr.Common())
	if f == nil {
		return nil
	}
	f = f.Origin()
	if mf, ok := c.misses[f]; ok {
		return mf
	}
	if recv := f.Type().(*types.Signature).Recv(); recv != nil && types.IsInterface(recv.Type()) {
		mf := catalog.Agreed(c.pass.Pkg, f, c.missOf)
		c.misses[f] = mf // memoised, nil included: the program is scanned once per method
		return mf
	}
	return c.missOf(f)
}

// missOf returns the MissFact of a declared function, or nil.
func (c *checker) missOf(f *types.Func) *MissFact {
	if mf, ok := c.misses[f]; ok {
		return mf
	}
	if f.Pkg() == c.pass.Pkg {
		return nil
	}
	mf := new(MissFact)
	if c.pass.ImportObjectFact(f, mf) {
		return mf
	}
	return nil
}

// importMisses copies the MissFacts of the package's dependencies, so
// that nothing reads facts after Run.
func (c *checker) importMisses() {
	for _, of := range c.pass.AllObjectFacts() {
		if mf, ok := of.Fact.(*MissFact); ok {
			if fn, ok := of.Object.(*types.Func); ok {
				c.misses[fn] = mf
			}
		}
	}
}

// helperMissEdge returns which successor of iff is taken when the helper
// read r found no row, told by its MissFact, or -1.
func (c *checker) helperMissEdge(r stmtCall, iff *ssa.If) int {
	mf := c.missFact(r)
	if mf == nil {
		return -1
	}
	call, ok := r.instr.(*ssa.Call)
	if !ok {
		return -1
	}
	result := func(i int) ssa.Value {
		for _, ref := range catalog.Referrers(call) {
			if ex, ok := ref.(*ssa.Extract); ok && ex.Index == i {
				return ex
			}
		}
		return nil
	}
	switch {
	case mf.Sentinel != "":
		errV := errorOf(r)
		if errV == nil {
			return -1
		}
		if cond, ok := iff.Cond.(*ssa.Call); ok && isErrorsIs(cond.Common()) && same(cond.Common().Args[0], errV) && globalName(catalog.Underlying(cond.Common().Args[1])) == mf.Sentinel {
			return 0
		}
		if cond, ok := iff.Cond.(*ssa.BinOp); ok {
			if (same(cond.X, errV) && globalName(catalog.Underlying(cond.Y)) == mf.Sentinel) || (same(cond.Y, errV) && globalName(catalog.Underlying(cond.X)) == mf.Sentinel) {
				return eqEdge(cond.Op)
			}
		}
	case mf.NilResult:
		v := result(0)
		if cond, ok := iff.Cond.(*ssa.BinOp); ok && v != nil {
			if (same(cond.X, v) && isNilConst(cond.Y)) || (same(cond.Y, v) && isNilConst(cond.X)) {
				return eqEdge(cond.Op)
			}
		}
	default:
		v := result(mf.Found)
		if v == nil {
			return -1
		}
		return falseEdge(iff, func(x ssa.Value) bool { return same(x, v) })
	}
	return -1
}

// falseEdge returns which successor of iff is taken when the bool value
// that is tells apart is false (if !v, if v == false, if v), or -1.
func falseEdge(iff *ssa.If, is func(ssa.Value) bool) int {
	switch cond := iff.Cond.(type) {
	case *ssa.UnOp:
		if cond.Op == token.NOT && is(cond.X) {
			return 0
		}
	case *ssa.BinOp:
		x, y := cond.X, cond.Y
		if _, ok := x.(*ssa.Const); ok {
			x, y = y, x
		}
		if k, ok := y.(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.Bool && is(x) {
			if e := eqEdge(cond.Op); e >= 0 {
				if constant.BoolVal(k.Value) {
					return 1 - e
				}
				return e
			}
		}
	}
	if is(iff.Cond) {
		return 1
	}
	return -1
}

// isFalseConst reports whether v is the constant false.
func isFalseConst(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.Value != nil && k.Value.Kind() == constant.Bool && !constant.BoolVal(k.Value)
}

// loaded returns the value a load of a local variable reads when one store
// reaches it (a named result read by a bare return), else v.
func loaded(v ssa.Value) ssa.Value {
	if x := storedValue(v); x != nil {
		return x
	}
	return v
}

// storedValue returns the value stored into the local variable v loads
// from, when one store runs before the load on every path and no other
// store can come between, or nil: a named result kept in a variable
// because a deferred call takes its address (defer wrap(&err, ...)).
func storedValue(v ssa.Value) ssa.Value {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return nil
	}
	a, ok := load.X.(*ssa.Alloc)
	if !ok {
		return nil
	}
	var stores []*ssa.Store
	for _, ref := range catalog.Referrers(a) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == a {
			stores = append(stores, st)
		}
	}
	var last *ssa.Store
	for _, st := range stores {
		if ssaorder.Before(st, load) && (last == nil || ssaorder.Before(last, st)) {
			last = st
		}
	}
	if last == nil {
		return nil
	}
	for _, st := range stores {
		if st != last && !ssaorder.Before(st, last) && ssaorder.Reachable(st, load) {
			return nil // another store may come between
		}
	}
	return last.Val
}

// globalName names the package variable v loads, as "path.Name", or "".
func globalName(v ssa.Value) string {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return ""
	}
	g, ok := load.X.(*ssa.Global)
	if !ok || g.Pkg == nil {
		return ""
	}
	return g.Pkg.Pkg.Path() + "." + g.Name()
}

// isNoRowsName reports whether a "path.Name" is a library's own "no row"
// error, which the caller's test already understands.
func isNoRowsName(name string) bool {
	i := strings.LastIndex(name, ".")
	return i > 0 && apis.IsNotFound(name[:i], name[i+1:])
}

// missHow says how a helper's MissFact signals a miss, for messages.
func (f *MissFact) how() string {
	switch {
	case f.Sentinel != "":
		return f.Sentinel[strings.LastIndex(f.Sentinel, ".")+1:]
	case f.NilResult:
		return "a nil result"
	}
	return "false found"
}
