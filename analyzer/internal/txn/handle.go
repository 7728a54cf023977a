package txn

import (
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
)

// Handles that are not parameters of a transaction type: a repository or
// Queries bound to a transaction (repo.WithTx(tx)), a transaction carried
// in a context.Context (ctx = WithTx(ctx, tx); From(ctx, pool)), a
// transaction held in a struct field (uow.tx, r.db).
//
// What the caller gave is often not known (a context parameter may carry a
// transaction or not, a DBTX field may hold the pool): such a handle is a
// Tx of Kind Maybe, one per context-and-key or per field of one value, so
// that statements on it are known to share whatever it is.

// Source says where a function's handle comes from, in terms of its
// parameters (the receiver of a method is parameter 0, as in SSA).
type Source struct {
	// Param is the parameter, or -1 for none.
	Param int
	// Key, when set, means the transaction the context parameter Param
	// carries under this context key (see [keyOf]).
	Key string
	// Field, when set, means that field of the struct parameter Param.
	Field string
}

var noSource = Source{Param: -1}

// Put is a result that is the context parameter Ctx carrying the handle of
// parameter Param under Key: func WithTx(ctx, tx) context.Context.
type Put struct {
	Result, Ctx, Param int
	Key                string
}

// HandleFact marks a function that hands out or uses a handle its caller
// gave it.
type HandleFact struct {
	// Results holds, per result, the handle the result is bound to: the
	// handle itself (a getter picking the context's transaction), or a
	// repository or Queries built on it (New(db), r.WithTx(tx)).
	Results []Source
	// Puts are the results that are contexts carrying a handle.
	Puts []Put
	// Uses are the context parameters and keys whose carried transaction
	// the function runs calls on: its statements run in the caller's
	// context's transaction.
	Uses []Source
}

// AFact marks HandleFact as an analysis fact.
func (*HandleFact) AFact() {}

func (f *HandleFact) String() string { return "handles" }

func (f *HandleFact) empty() bool {
	return !slices.ContainsFunc(f.Results, func(s Source) bool { return s.Param >= 0 }) && len(f.Puts) == 0 && len(f.Uses) == 0
}

// handleFact returns the HandleFact of f, derived in this run for this
// package's functions, imported otherwise.
func (r *builder) handleFact(f *types.Func) *HandleFact {
	if f == nil {
		return nil
	}
	f = f.Origin()
	if recv := f.Type().(*types.Signature).Recv(); recv != nil && types.IsInterface(recv.Type()) {
		// Through an interface: what every implementation agrees on.
		if hf, ok := r.ifaces[f]; ok {
			return hf
		}
		if !r.mayHandle(f.Name()) {
			return nil // context.Context.Value and the like: no scan of the program
		}
		r.ifaces[f] = nil // a cycle through embedded interfaces agrees on nothing
		hf := catalog.Agreed(r.pass.Pkg, f, r.handleFact)
		r.ifaces[f] = hf
		return hf
	}
	if hf, ok := r.hlocal[f]; ok {
		return hf
	}
	if f.Pkg() == r.pass.Pkg {
		return nil
	}
	var hf HandleFact
	if r.pass.ImportObjectFact(f, &hf) {
		return &hf
	}
	return nil
}

// mayHandle reports whether some function with a HandleFact, of this
// package or imported, is called name: only then can an interface method
// of that name have implementations agreeing on one.
func (r *builder) mayHandle(name string) bool {
	if r.imported[name] {
		return true
	}
	for f := range r.hlocal {
		if f.Name() == name {
			return true
		}
	}
	return false
}

// importedHandleNames returns the names of the functions of other
// packages that have a HandleFact.
func importedHandleNames(pass *analysis.Pass) map[string]bool {
	names := make(map[string]bool)
	for _, of := range pass.AllObjectFacts() {
		if _, ok := of.Fact.(*HandleFact); ok {
			names[of.Object.Name()] = true
		}
	}
	return names
}

// callArgs returns the arguments of a call, the receiver of a method
// (static or through an interface) first, as Source indexes count them.
func callArgs(c *ssa.CallCommon) []ssa.Value {
	if c.IsInvoke() {
		return append([]ssa.Value{c.Value}, c.Args...)
	}
	return c.Args
}

// isContext reports whether t is context.Context.
func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// keyOf names a context key as the code gives it to WithValue or Value: a
// constant of its type (txKey{}, ctxKey("tx")) or a package variable. It
// returns "" for a key it cannot name.
func keyOf(v ssa.Value) string {
	if mi, ok := v.(*ssa.MakeInterface); ok {
		v = mi.X
	}
	switch v := v.(type) {
	case *ssa.Const:
		val := "zero"
		if v.Value != nil {
			val = v.Value.ExactString()
			if v.Value.Kind() == constant.String {
				val = constant.StringVal(v.Value)
			}
		}
		return "const " + types.TypeString(v.Type(), nil) + " " + val
	case *ssa.UnOp:
		if g, ok := v.X.(*ssa.Global); ok && v.Op == token.MUL && g.Pkg != nil {
			return "var " + g.Pkg.Pkg.Path() + "." + g.Name()
		}
	case *ssa.Global:
		if v.Pkg != nil {
			return "addr " + v.Pkg.Pkg.Path() + "." + v.Name()
		}
	}
	return ""
}

// ctxValue matches ctx.Value(key), with or without a type assertion of its
// result, and returns the context and the key.
func ctxValue(v ssa.Value) (ctx ssa.Value, key string, ok bool) {
	if ex, isEx := v.(*ssa.Extract); isEx && ex.Index == 0 {
		v = ex.Tuple
	}
	if ta, isTA := v.(*ssa.TypeAssert); isTA {
		v = ta.X
	}
	call, isCall := v.(*ssa.Call)
	if !isCall {
		return nil, "", false
	}
	c := call.Common()
	if !c.IsInvoke() || c.Method.Name() != "Value" || len(c.Args) != 1 || !isContext(c.Value.Type()) {
		return nil, "", false
	}
	if key = keyOf(c.Args[0]); key == "" {
		return nil, "", false
	}
	return c.Value, key, true
}

// withValue matches context.WithValue(ctx, key, val).
func withValue(c *ssa.CallCommon) (ctx ssa.Value, key string, val ssa.Value, ok bool) {
	f := c.StaticCallee()
	if f == nil || f.Pkg == nil || f.Pkg.Pkg.Path() != "context" || f.Name() != "WithValue" || len(c.Args) != 3 {
		return nil, "", nil, false
	}
	if key = keyOf(c.Args[1]); key == "" {
		return nil, "", nil, false
	}
	return c.Args[0], key, c.Args[2], true
}

// derivesContext reports whether c is a function of package context that
// returns its first argument's values under a new deadline or
// cancellation (WithCancel, WithTimeout, WithoutCancel...).
func derivesContext(c *ssa.CallCommon) bool {
	f := c.StaticCallee()
	if f == nil || f.Pkg == nil || f.Pkg.Pkg.Path() != "context" || f.Name() == "WithValue" || len(c.Args) == 0 {
		return false
	}
	res := f.Signature.Results()
	return res.Len() > 0 && isContext(res.At(0).Type()) && isContext(c.Args[0].Type())
}

// emptyContext reports whether c is context.Background() or TODO(),
// which carry nothing.
func emptyContext(c *ssa.CallCommon) bool {
	f := c.StaticCallee()
	return f != nil && f.Pkg != nil && f.Pkg.Pkg.Path() == "context" && (f.Name() == "Background" || f.Name() == "TODO")
}

// put is a context value made from another by adding one value.
type put struct {
	ctx ssa.Value
	key string
	val ssa.Value
}

// putOf returns what the context result of call (at result index) adds to
// its context argument: context.WithValue or a function with a Put fact.
func (r *builder) putOf(c *ssa.CallCommon, index int) (put, bool) {
	if ctx, key, val, ok := withValue(c); ok && index == 0 {
		return put{ctx, key, val}, true
	}
	hf := r.handleFact(catalog.Callee(c))
	if hf == nil {
		return put{}, false
	}
	args := callArgs(c)
	for _, p := range hf.Puts {
		if p.Result == index && p.Ctx < len(args) && p.Param < len(args) {
			return put{args[p.Ctx], p.Key, args[p.Param]}, true
		}
	}
	return put{}, false
}

// putBy returns what the context value v, a call's result, adds to the
// call's context argument.
func (r *builder) putBy(v ssa.Value) (put, bool) {
	switch v := v.(type) {
	case *ssa.Call:
		return r.putOf(v.Common(), 0)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return r.putOf(call.Common(), v.Index)
		}
	}
	return put{}, false
}

type carryKey struct {
	v   ssa.Value
	key string
}

// carried returns the transaction the context value v carries under key:
// the one a WithValue or WithTx call put there, the enclosing transaction
// of a callback its runner handed such a context, or else a Maybe
// transaction standing for whatever v carries.
func (r *builder) carried(v ssa.Value, key string) *Tx {
	if v == nil {
		return nil
	}
	k := carryKey{v, key}
	if tx, ok := r.carry[k]; ok {
		return tx
	}
	if r.visiting[v] {
		return r.maybe(v, key)
	}
	r.visiting[v] = true
	tx := r.carriedIn(v, key)
	delete(r.visiting, v)
	r.carry[k] = tx
	return tx
}

func (r *builder) carriedIn(v ssa.Value, key string) *Tx {
	// agree returns the transaction every value carries, or a Maybe one.
	agree := func(vals []ssa.Value) *Tx {
		var found *Tx
		for _, x := range vals {
			if c, ok := x.(*ssa.Const); ok && c.IsNil() {
				continue
			}
			tx := r.carried(x, key)
			if tx == nil || (found != nil && tx != found) {
				return r.maybe(v, key)
			}
			found = tx
		}
		if found == nil {
			return r.maybe(v, key)
		}
		return found
	}
	switch v := v.(type) {
	case *ssa.Parameter:
		if cp, ok := r.ctxParams[v]; ok && cp.key == key {
			return cp.tx
		}
	case *ssa.Call:
		c := v.Common()
		if k := r.classifyBegin(c); k != nil && k.ctxResult == 0 && k.resultKey == key {
			return r.begun[v] // the context a begin helper returns
		}
		if p, ok := r.putOf(c, 0); ok {
			if p.key == key {
				return r.Of(p.val)
			}
			return r.carried(p.ctx, key)
		}
		if derivesContext(c) {
			return r.carried(c.Args[0], key)
		}
		if emptyContext(c) {
			return nil
		}
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			c := call.Common()
			if k := r.classifyBegin(c); k != nil && k.ctxResult == v.Index && k.resultKey == key {
				return r.begun[call]
			}
			if p, ok := r.putOf(c, v.Index); ok {
				if p.key == key {
					return r.Of(p.val)
				}
				return r.carried(p.ctx, key)
			}
			if v.Index == 0 && derivesContext(c) {
				return r.carried(c.Args[0], key)
			}
		}
	case *ssa.Phi:
		return agree(v.Edges)
	case *ssa.FreeVar:
		if vals := r.bindings(v); vals != nil {
			return agree(vals)
		}
	case *ssa.UnOp:
		if a, ok := v.X.(*ssa.Alloc); ok && v.Op == token.MUL {
			if vals := storesTo(a); vals != nil {
				return agree(vals)
			}
		}
		if fv, ok := v.X.(*ssa.FreeVar); ok && v.Op == token.MUL {
			return r.carried(fv, key)
		}
	case *ssa.ChangeInterface:
		return r.carried(v.X, key)
	case *ssa.MakeInterface:
		return r.carried(v.X, key)
	case *ssa.ChangeType:
		return r.carried(v.X, key)
	}
	return r.maybe(v, key)
}

// bindings returns the values the closures of v's function bind to the
// free variable v, or nil when the function is not a closure seen made.
func (r *builder) bindings(v *ssa.FreeVar) []ssa.Value {
	fn := v.Parent()
	idx := slices.Index(fn.FreeVars, v)
	var out []ssa.Value
	for _, mc := range r.closures[fn] {
		if idx < 0 || idx >= len(mc.Bindings) {
			return nil
		}
		out = append(out, mc.Bindings[idx])
	}
	return out
}

// storesTo returns the values stored into the local variable a, or nil.
func storesTo(a *ssa.Alloc) []ssa.Value {
	var out []ssa.Value
	for _, ref := range catalog.Referrers(a) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == a {
			out = append(out, st.Val)
		}
	}
	return out
}

// paramKey is the maybeKey.what of a handle parameter.
const paramKey = "parameter"

type maybeKey struct {
	root ssa.Value
	what string
}

// maybe returns the Maybe transaction standing for what the context v
// carries under key, or (with key "field F") what field F of v holds.
func (r *builder) maybe(v ssa.Value, key string) *Tx {
	k := maybeKey{v, key}
	if tx, ok := r.maybes[k]; ok {
		return tx
	}
	via := "context " + v.Name()
	switch {
	case key == paramKey:
		via = "parameter " + v.Name()
	case strings.HasPrefix(key, "field "):
		via = "field " + v.Name() + "." + key[6:]
	}
	tx := &Tx{Kind: Maybe, Pos: v.Pos(), Via: via, Isolation: IsolationUnknown, Fn: v.Parent()}
	r.maybes[k] = tx
	return tx
}

// ofField resolves a load of a field of a struct: the handle a repository
// built by a binder was given (repo := r.WithTx(tx); repo.db), or a Maybe
// transaction for the field of a parameter the function never stores to.
func (r *builder) ofField(base ssa.Value, field string, fn *ssa.Function) *Tx {
	base = rootOf(base)
	p, isParam := base.(*ssa.Parameter)
	if isParam && storesField(fn, p, field) {
		return nil // the handle may change between two statements
	}
	if tx := r.Of(base); tx != nil {
		return tx // a struct bound to a transaction: all its handles are it
	}
	if !isParam || !isHandleField(p.Type(), field) {
		return nil
	}
	return r.maybe(p, "field "+field)
}

// rootOf follows a closure's free variable to the one value its parent
// bound, or a local copy of a parameter to the parameter.
func rootOf(v ssa.Value) ssa.Value {
	for range 8 {
		switch x := v.(type) {
		case *ssa.FreeVar:
			fn := x.Parent()
			idx := slices.Index(fn.FreeVars, x)
			var bound ssa.Value
			for _, ref := range catalog.Referrers(fn) {
				mc, ok := ref.(*ssa.MakeClosure)
				if !ok || idx >= len(mc.Bindings) || (bound != nil && bound != mc.Bindings[idx]) {
					return v
				}
				bound = mc.Bindings[idx]
			}
			if bound == nil {
				return v
			}
			v = bound
		case *ssa.UnOp:
			if x.Op != token.MUL {
				return v
			}
			if p := paramBehind(x.X); p != nil {
				return p
			}
			if fv, ok := x.X.(*ssa.FreeVar); ok {
				v = fv
				continue
			}
			return v
		case *ssa.Alloc:
			if p := paramBehind(x); p != nil {
				return p
			}
			return v
		default:
			return v
		}
	}
	return v
}

// isHandleField reports whether field of the struct t (or *t) holds a
// database handle: a transaction type or an interface with the methods
// that run SQL (sqlc's DBTX and the like).
func isHandleField(t types.Type, field string) bool {
	if p, ok := types.Unalias(t).Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := types.Unalias(t).Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if f := st.Field(i); f.Name() == field {
			return isHandleType(f.Type())
		}
	}
	return false
}

// isHandleType reports whether t is a transaction type, an interface that
// can run SQL, or a struct of the program (or a pointer to one) with a
// field of such a type: a repository, sqlc's Queries.
func isHandleType(t types.Type) bool {
	if isExecutor(t) {
		return true
	}
	if p, ok := types.Unalias(t).Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if apis.Own(apis.PkgOf(t)) {
		return false // a library's pool or connection
	}
	st, ok := types.Unalias(t).Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if isExecutor(st.Field(i).Type()) {
			return true
		}
	}
	return false
}

// isExecutor reports whether t is a transaction type or an interface that
// can run SQL (sqlc's DBTX and the like).
func isExecutor(t types.Type) bool {
	if apis.IsTx(t) {
		return true
	}
	it, ok := types.Unalias(t).Underlying().(*types.Interface)
	if !ok {
		return false
	}
	for i := 0; i < it.NumMethods(); i++ {
		switch it.Method(i).Name() {
		case "Exec", "ExecContext", "QueryRow", "QueryRowContext":
			return true
		}
	}
	return false
}

// storesField reports whether fn stores into field of the struct p points
// to (the handle may change between two statements).
func storesField(fn *ssa.Function, p *ssa.Parameter, field string) bool {
	found := false
	forEachInstr(fn, func(instr ssa.Instruction) {
		st, ok := instr.(*ssa.Store)
		if !ok {
			return
		}
		if fa, ok := st.Addr.(*ssa.FieldAddr); ok && rootOf(fa.X) == p && fieldName(fa.X.Type(), fa.Field) == field {
			found = true
		}
	})
	return found
}

// fieldName returns the name of field i of the struct t (or *t).
func fieldName(t types.Type, i int) string {
	if st := pointedStruct(t); st != nil && i < st.NumFields() {
		return st.Field(i).Name()
	}
	if st, ok := types.Unalias(t).Underlying().(*types.Struct); ok && i < st.NumFields() {
		return st.Field(i).Name()
	}
	return ""
}

// ofBound resolves the result index of a call of a function whose
// HandleFact binds it to one of its arguments' handles.
func (r *builder) ofBound(c *ssa.CallCommon, index int) *Tx {
	hf := r.handleFact(catalog.Callee(c))
	if hf == nil || index >= len(hf.Results) {
		return nil
	}
	return r.ofSource(c, hf.Results[index])
}

// ofSource resolves a Source of the function c calls at that call.
func (r *builder) ofSource(c *ssa.CallCommon, s Source) *Tx {
	args := callArgs(c)
	if s.Param < 0 || s.Param >= len(args) {
		return nil
	}
	arg := args[s.Param]
	switch {
	case s.Key != "":
		return r.carried(arg, s.Key)
	case s.Field != "":
		if tx := r.Of(arg); tx != nil {
			return tx
		}
		root := rootOf(arg)
		if p, ok := root.(*ssa.Parameter); ok && isHandleField(p.Type(), s.Field) && !storesField(p.Parent(), p, s.Field) {
			return r.maybe(p, "field "+s.Field)
		}
		return nil
	}
	return r.Of(arg)
}

// usesOf returns the transaction a call runs in because the function it
// calls runs statements on its context argument's transaction.
func (r *builder) usesOf(c *ssa.CallCommon) *Tx {
	hf := r.handleFact(catalog.Callee(c))
	if hf == nil {
		return nil
	}
	for _, s := range hf.Uses {
		if tx := r.ofSource(c, s); tx != nil {
			return tx
		}
	}
	return nil
}

// deriveHandleFact summarises, for callers, the handles fn hands out and
// the context transactions it runs calls on.
func (r *builder) deriveHandleFact(fn *ssa.Function) *HandleFact {
	if fn.Blocks == nil {
		return nil
	}
	n := fn.Signature.Results().Len()
	f := &HandleFact{Results: make([]Source, n)}
	for i := range f.Results {
		f.Results[i] = r.resultSource(fn, i)
	}
	for i := 0; i < n; i++ {
		if p, ok := r.resultPut(fn, i); ok {
			f.Puts = append(f.Puts, p)
		}
	}
	forEachCall(fn, func(call ssa.CallInstruction) {
		if _, ok := call.(*ssa.Call); !ok {
			return
		}
		tx := ofCall(r.Of, r.usesOf, call.Common())
		if tx == nil || tx.Kind != Maybe {
			return
		}
		if s, ok := r.maybeSource(fn, tx); ok && s.Key != "" && !slices.Contains(f.Uses, s) {
			f.Uses = append(f.Uses, s)
		}
	})
	if f.empty() {
		return nil
	}
	return f
}

// maybeSource returns the Source of a Maybe transaction of one of fn's
// context parameters.
func (r *builder) maybeSource(fn *ssa.Function, tx *Tx) (Source, bool) {
	for k, t := range r.maybes {
		if t != tx {
			continue
		}
		p, ok := k.root.(*ssa.Parameter)
		if !ok || p.Parent() != fn {
			return noSource, false
		}
		i := slices.Index(fn.Params, p)
		switch {
		case k.what == paramKey:
			return Source{Param: i}, true
		case strings.HasPrefix(k.what, "field "):
			return Source{Param: i, Field: k.what[6:]}, true
		}
		return Source{Param: i, Key: k.what}, true
	}
	return noSource, false
}

// resultSource returns the Source every return of result i of fn agrees
// on, or noSource. A getter returns the context's transaction on one path
// and a fallback (the pool) on another: the fallback is not a
// transaction, so the result stands for the context's transaction.
func (r *builder) resultSource(fn *ssa.Function, i int) Source {
	var carried, plain []Source
	fallback := false
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || i >= len(ret.Results) {
			continue
		}
		v := ret.Results[i]
		s, ok := r.sourceOf(fn, v, 0)
		switch {
		case ok && s.Key != "":
			carried = appendNew(carried, s)
		case ok:
			plain = appendNew(plain, s)
		case apis.IsTx(catalog.Underlying(v).Type()) || (r.Of(v) != nil && r.Of(v).Kind != Maybe):
			return noSource // a transaction of its own
		default:
			fallback = true
		}
	}
	switch {
	case len(carried) == 1:
		return carried[0] // the others are what it falls back to
	case len(carried) == 0 && len(plain) == 1 && !fallback:
		return plain[0]
	}
	return noSource
}

func appendNew(list []Source, s Source) []Source {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// resultPut returns the Put of result i of fn: every return is the
// context parameter with a handle parameter added (WithValue or a putter).
func (r *builder) resultPut(fn *ssa.Function, i int) (Put, bool) {
	var found *Put
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || i >= len(ret.Results) {
			continue
		}
		p, ok := r.putBy(ret.Results[i])
		if !ok {
			return Put{}, false
		}
		ctx, isP := p.ctx.(*ssa.Parameter)
		val, isV := catalog.Underlying(p.val).(*ssa.Parameter)
		if !isP || !isV || ctx.Parent() != fn || val.Parent() != fn {
			return Put{}, false
		}
		got := Put{Result: i, Ctx: slices.Index(fn.Params, ctx), Param: slices.Index(fn.Params, val), Key: p.key}
		if found != nil && *found != got {
			return Put{}, false
		}
		found = &got
	}
	if found == nil {
		return Put{}, false
	}
	return *found, true
}

// sourceOf describes v, a value of fn, in terms of fn's parameters.
func (r *builder) sourceOf(fn *ssa.Function, v ssa.Value, depth int) (Source, bool) {
	if depth > 8 {
		return noSource, false
	}
	v = catalog.Underlying(v)
	if ta, ok := v.(*ssa.TypeAssert); ok && !ta.CommaOk {
		v = ta.X
	}
	param := func(x ssa.Value) int {
		if p, ok := x.(*ssa.Parameter); ok && p.Parent() == fn {
			return slices.Index(fn.Params, p)
		}
		return -1
	}
	if ctx, key, ok := ctxValue(v); ok {
		if i := param(ctx); i >= 0 {
			return Source{Param: i, Key: key}, true
		}
		return noSource, false
	}
	switch x := v.(type) {
	case *ssa.Parameter:
		if i := param(x); i >= 0 {
			return Source{Param: i}, true
		}
	case *ssa.UnOp:
		if fa, ok := x.X.(*ssa.FieldAddr); ok && x.Op == token.MUL {
			if i := param(rootOf(fa.X)); i >= 0 {
				name := fieldName(fa.X.Type(), fa.Field)
				if isHandleField(fa.X.Type(), name) {
					return Source{Param: i, Field: name}, true
				}
			}
			return noSource, false
		}
		if a, ok := x.X.(*ssa.Alloc); ok && x.Op == token.MUL {
			return r.boundStruct(fn, a, depth)
		}
	case *ssa.Field:
		if i := param(rootOf(x.X)); i >= 0 {
			name := fieldName(x.X.Type(), x.Field)
			if isHandleField(x.X.Type(), name) {
				return Source{Param: i, Field: name}, true
			}
		}
	case *ssa.Alloc:
		return r.boundStruct(fn, x, depth)
	case *ssa.Call:
		return r.callSource(fn, x.Common(), 0, depth)
	case *ssa.Extract:
		if call, ok := x.Tuple.(*ssa.Call); ok {
			return r.callSource(fn, call.Common(), x.Index, depth)
		}
	}
	return noSource, false
}

// boundStruct describes a struct literal whose one handle field is set
// from a Source: &Repo{db: tx}.
func (r *builder) boundStruct(fn *ssa.Function, a *ssa.Alloc, depth int) (Source, bool) {
	found := noSource
	for _, ref := range catalog.Referrers(a) {
		fa, ok := ref.(*ssa.FieldAddr)
		if !ok || !isHandleField(a.Type(), fieldName(a.Type(), fa.Field)) {
			continue
		}
		for _, fr := range catalog.Referrers(fa) {
			st, ok := fr.(*ssa.Store)
			if !ok || st.Addr != fa {
				continue
			}
			s, ok := r.sourceOf(fn, st.Val, depth+1)
			if !ok || (found.Param >= 0 && s != found) {
				return noSource, false
			}
			found = s
		}
	}
	return found, found.Param >= 0
}

// callSource describes result index of a call of a function with a
// HandleFact (or sqlc's New and WithTx) in terms of fn's parameters.
func (r *builder) callSource(fn *ssa.Function, c *ssa.CallCommon, index, depth int) (Source, bool) {
	var inner Source
	if hf := r.handleFact(catalog.Callee(c)); hf != nil && index < len(hf.Results) {
		inner = hf.Results[index]
	} else if i := sqlcExecArg(c); i >= 0 && index == 0 {
		inner = Source{Param: i}
	} else {
		return noSource, false
	}
	args := callArgs(c)
	if inner.Param < 0 || inner.Param >= len(args) {
		return noSource, false
	}
	outer, ok := r.sourceOf(fn, args[inner.Param], depth+1)
	if !ok {
		return noSource, false
	}
	switch {
	case inner.Key == "" && inner.Field == "":
		return outer, true
	case outer.Key == "" && outer.Field == "":
		return Source{Param: outer.Param, Key: inner.Key, Field: inner.Field}, true
	}
	return noSource, false
}
