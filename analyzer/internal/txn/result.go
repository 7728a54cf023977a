package txn

import (
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
)

// Result is the transaction structure of one package. It is complete when
// txn's Run returns and read-only afterwards: the analyzers that require txn
// run in parallel and share it.
type Result struct {
	// Relevant is false when the package cannot touch a database.
	Relevant bool
	// SrcFuncs are the package's SSA functions, anonymous ones included.
	SrcFuncs []*ssa.Function

	fset      *token.FileSet
	begun     map[ssa.CallInstruction]*Tx // begin calls
	params    map[*ssa.Parameter]*Tx
	enclosing map[*ssa.Function]*Tx
	byFunc    map[*ssa.Function][]*Tx // transactions that start in a function
	handles   map[ssa.Value]*Tx       // every value of SrcFuncs that refers to a transaction
	closures  map[*ssa.Function][]*ssa.MakeClosure
	sites     map[*ssa.Function][]ssa.CallInstruction // direct calls of anonymous functions
	callbacks map[ssa.CallInstruction]callback
	ctxCalls  map[*ssa.CallCommon]*Tx // calls running in their context argument's transaction
}

// builder derives a Result during txn's Run: it resolves handles with a
// memo and reads BeginFacts through the pass, neither of which outlives Run.
type builder struct {
	*Result
	pass     *analysis.Pass
	cat      *catalog.Catalog
	local    map[*types.Func]*BeginFact
	memo     map[ssa.Value]*Tx
	visiting map[ssa.Value]bool

	hlocal    map[*types.Func]*HandleFact
	ifaces    map[*types.Func]*HandleFact // interface methods, by what their implementations agree on
	imported  map[string]bool             // names of imported functions with a HandleFact
	carry     map[carryKey]*Tx
	maybes    map[maybeKey]*Tx
	ctxParams map[*ssa.Parameter]ctxParam
}

// ctxParam is a callback's context parameter that its runner made carry
// the callback's transaction under key.
type ctxParam struct {
	key string
	tx  *Tx
}

// callback is a function value a call runs inside a transaction.
type callback struct {
	arg ssa.Value
	tx  *Tx
}

func newBuilder(pass *analysis.Pass, funcs []*ssa.Function, local map[*types.Func]*BeginFact, hlocal map[*types.Func]*HandleFact, imported map[string]bool) *builder {
	return &builder{
		Result: &Result{
			Relevant:  true,
			SrcFuncs:  funcs,
			fset:      pass.Fset,
			begun:     make(map[ssa.CallInstruction]*Tx),
			params:    make(map[*ssa.Parameter]*Tx),
			enclosing: make(map[*ssa.Function]*Tx),
			byFunc:    make(map[*ssa.Function][]*Tx),
			handles:   make(map[ssa.Value]*Tx),
			closures:  make(map[*ssa.Function][]*ssa.MakeClosure),
			sites:     make(map[*ssa.Function][]ssa.CallInstruction),
			callbacks: make(map[ssa.CallInstruction]callback),
			ctxCalls:  make(map[*ssa.CallCommon]*Tx),
		},
		pass:      pass,
		cat:       pass.ResultOf[catalog.Analyzer].(*catalog.Catalog),
		local:     local,
		memo:      make(map[ssa.Value]*Tx),
		visiting:  make(map[ssa.Value]bool),
		hlocal:    hlocal,
		imported:  imported,
		ifaces:    make(map[*types.Func]*HandleFact),
		carry:     make(map[carryKey]*Tx),
		maybes:    make(map[maybeKey]*Tx),
		ctxParams: make(map[*ssa.Parameter]ctxParam),
	}
}

// freeze resolves every value of the package's functions, so that Of needs
// neither the memo nor the pass, and returns the finished Result.
func (r *builder) freeze() *Result {
	for _, fn := range r.SrcFuncs {
		for _, p := range fn.Params {
			r.resolve(p)
		}
		for _, fv := range fn.FreeVars {
			r.resolve(fv)
		}
		forEachInstr(fn, func(instr ssa.Instruction) {
			if v, ok := instr.(ssa.Value); ok {
				r.resolve(v)
			}
			if call, ok := instr.(ssa.CallInstruction); ok {
				if tx := r.usesOf(call.Common()); tx != nil {
					r.ctxCalls[call.Common()] = tx
				}
			}
		})
	}
	r.SrcFuncs = slices.Clip(r.SrcFuncs) // an append by a dependent copies
	return r.Result
}

func (r *builder) resolve(v ssa.Value) {
	if tx := r.Of(v); tx != nil {
		r.handles[v] = tx
	}
}

// fact returns the BeginFact of f, from this package's own derivation or
// imported from another package.
func (r *builder) fact(f *types.Func) *BeginFact {
	if f == nil {
		return nil
	}
	f = f.Origin()
	if bf, ok := r.local[f]; ok {
		return bf
	}
	if f.Pkg() == r.pass.Pkg {
		return nil
	}
	var bf BeginFact
	if r.pass.ImportObjectFact(f, &bf) {
		return &bf
	}
	return nil
}

// beginKind classifies a call: a transaction-begin returning the tx at
// txResult (and maybe a commit func), or a runner of a callback at argument
// callbackArg, with the isolation level it requests.
type beginKind struct {
	txResult     int
	commitResult int
	callbackArg  int
	level        level
	savepointOf  ssa.Value
	via          string
	ctxKey       string // the callback's context carries the transaction under this key
	ctxResult    int    // result that is a context carrying the transaction, or -1
	resultKey    string // the key it carries it under
	noOptions    bool   // a begin call that takes no transaction options
}

func (r *builder) classifyBegin(c *ssa.CallCommon) *beginKind {
	f := catalog.Callee(c)
	if f == nil {
		return nil
	}
	sig := c.Signature()
	if bf := r.fact(f); bf != nil && (bf.begins() || bf.CallbackParam >= 0) {
		k := &beginKind{txResult: bf.TxResult, commitResult: bf.CommitResult, ctxResult: bf.CtxResult, resultKey: bf.CtxKey, callbackArg: -1, level: level{iso: levelAt(c, bf)}, via: f.Name(), ctxKey: bf.CallbackCtx}
		if bf.CallbackParam >= 0 && !c.IsInvoke() && bf.CallbackParam < len(c.Args) {
			k.callbackArg = bf.CallbackParam
		}
		return k
	}
	args := c.Args
	if !c.IsInvoke() && sig.Recv() != nil {
		args = args[1:]
	}
	if b := apis.BeginOf(f, len(args)); b != nil {
		k := &beginKind{txResult: -1, commitResult: -1, ctxResult: -1, callbackArg: -1, level: level{iso: IsolationDefault}, via: f.Name()}
		if b.Func != "" {
			k.via = f.Pkg().Name() + "." + f.Name()
		}
		k.noOptions = b.OptionsArg < 0
		if b.OptionsArg >= 0 && b.OptionsArg < len(args) {
			opts := args[b.OptionsArg]
			if sig.Variadic() && b.OptionsArg == len(args)-1 {
				// GORM's Begin(opts ...*sql.TxOptions): none, or the first.
				if none, ok := opts.(*ssa.Const); ok && none.IsNil() {
					k.noOptions = true
				} else {
					opts = catalog.VariadicArg(args, 0)
				}
			}
			k.level = isolationOf(opts)
		}
		switch b.Handout {
		case apis.Result:
			k.txResult = 0
			if recv := receiverOf(c); recv != nil && apis.IsTx(recv.Type()) {
				k.savepointOf = recv
			}
		case apis.Callback:
			if b.CallbackArg >= len(args) {
				return nil
			}
			k.callbackArg = b.CallbackArg + len(c.Args) - len(args) // as an index of c.Args
		}
		return k
	}
	if BeginFuncs.Has(f) {
		k := &beginKind{txResult: -1, commitResult: -1, ctxResult: -1, callbackArg: -1, level: level{iso: IsolationUnknown}, via: f.Name()}
		for i := len(c.Args) - 1; i >= 0; i-- {
			if _, ok := types.Unalias(c.Args[i].Type()).Underlying().(*types.Signature); ok {
				k.callbackArg = i
				return k
			}
		}
		if sig.Results().Len() > 0 {
			k.txResult = 0
		}
		for i := 0; i < sig.Results().Len(); i++ {
			if s, ok := types.Unalias(sig.Results().At(i).Type()).Underlying().(*types.Signature); ok && s.Params().Len() == 0 {
				k.commitResult = i
				if i == 0 {
					k.txResult = -1
				}
				break
			}
		}
		return k
	}
	return nil
}

// build finds every begin, transaction parameter and callback body.
func (r *builder) build() {
	for _, fn := range r.SrcFuncs {
		r.scan(fn)
	}
	// Values resolved while scanning may predate a callback's parameters.
	clear(r.memo)
	clear(r.carry)
	for _, fn := range r.SrcFuncs {
		forEachCall(fn, func(call ssa.CallInstruction) {
			if _, ok := call.(*ssa.Call); !ok {
				return // a deferred Rollback ends nothing before the function returns
			}
			c := call.Common()
			// End calls: Commit/Rollback on a handle, a commit function, a
			// helper that ends its argument.
			f := catalog.Callee(c)
			if apis.IsEnd(f) {
				if tx := r.Of(receiverOf(c)); tx != nil {
					tx.ends = append(tx.ends, call)
					return
				}
			}
			if f == nil {
				if tx := r.commitOf(c.Value); tx != nil {
					tx.ends = append(tx.ends, call)
				}
				return
			}
			if bf := r.fact(f); bf != nil && !c.IsInvoke() {
				for _, i := range bf.EndsParams {
					if i < len(c.Args) {
						if tx := r.Of(c.Args[i]); tx != nil {
							tx.ends = append(tx.ends, call)
						}
					}
				}
				for _, s := range bf.EndsCtx {
					if tx := r.ofSource(c, s); tx != nil {
						tx.ends = append(tx.ends, call)
					}
				}
			}
		})
	}
	r.setLevels()
}

// scan records the transactions that start in fn and the callbacks it runs
// inside transactions.
func (r *builder) scan(fn *ssa.Function) {
	for _, p := range fn.Params {
		if apis.IsTx(p.Type()) {
			// A callback's tx parameter is the enclosing transaction; that
			// is decided when the callback's runner is scanned.
			if _, ok := r.params[p]; !ok {
				tx := &Tx{Kind: Param, Pos: p.Pos(), Via: "parameter " + p.Name(), Isolation: IsolationUnknown, Fn: fn}
				r.params[p] = tx
				r.byFunc[fn] = append(r.byFunc[fn], tx)
			}
		}
	}
	forEachInstr(fn, func(instr ssa.Instruction) {
		if mc, ok := instr.(*ssa.MakeClosure); ok {
			if cf, ok := mc.Fn.(*ssa.Function); ok {
				r.closures[cf] = append(r.closures[cf], mc)
			}
		}
		call, ok := instr.(ssa.CallInstruction)
		if !ok {
			return
		}
		if _, isDefer := call.(*ssa.Defer); isDefer {
			return
		}
		if cf := AnonFunc(call.Common().Value); cf != nil {
			r.sites[cf] = append(r.sites[cf], call)
		}
		if cf := groupFunc(call.Common()); cf != nil {
			r.sites[cf] = append(r.sites[cf], call)
		}
		k := r.classifyBegin(call.Common())
		if k == nil {
			return
		}
		c := call.Common()
		if k.callbackArg >= 0 {
			cf := AnonFunc(c.Args[k.callbackArg])
			tx := &Tx{Kind: Callback, Pos: call.Pos(), Via: k.via, Isolation: k.level.iso, NoOptions: k.noOptions, Fn: cf, level: k.level}
			// Run on a transaction, the callback runs in a savepoint of it
			// (GORM's tx.Transaction).
			if tx.Parent = r.Of(receiverOf(c)); tx.Parent != nil && k.level.iso == IsolationDefault {
				tx.Isolation = tx.Parent.Isolation
			}
			r.callbacks[call] = callback{arg: c.Args[k.callbackArg], tx: tx}
			if cf == nil {
				return // a named function: it may run outside transactions too
			}
			r.enclosing[cf] = tx
			r.byFunc[cf] = append(r.byFunc[cf], tx)
			// The callback's transaction parameter (a GORM handle is one
			// there), or the sqlc Queries the runner bound to it (sqlc's
			// execTx: fn(New(tx))).
			for _, p := range cf.Params {
				if apis.IsTx(p.Type()) || isQueries(p.Type()) || apis.ORMOf(p.Type()) != nil {
					if old := r.params[p]; old != nil {
						r.byFunc[cf] = removeTx(r.byFunc[cf], old)
					}
					r.params[p] = tx
				}
				if k.ctxKey != "" && isContext(p.Type()) {
					r.ctxParams[p] = ctxParam{k.ctxKey, tx}
				}
			}
			return
		}
		tx := &Tx{Kind: Begun, Pos: call.Pos(), Via: k.via, Isolation: k.level.iso, NoOptions: k.noOptions, Fn: fn, begin: call, errVal: ErrorResult(call), level: k.level}
		if k.savepointOf != nil {
			tx.Parent = r.Of(k.savepointOf)
			if tx.Parent != nil && k.level.iso == IsolationDefault {
				tx.Isolation = tx.Parent.Isolation
			}
		}
		r.begun[call] = tx
		r.byFunc[fn] = append(r.byFunc[fn], tx)
	})
}

func removeTx(list []*Tx, tx *Tx) []*Tx {
	out := list[:0]
	for _, t := range list {
		if t != tx {
			out = append(out, t)
		}
	}
	return out
}

func isErrorType(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// Of returns the transaction the database handle v refers to, or nil when v
// is not known to be one (the pool, a connection in autocommit, unknown).
func (r *Result) Of(v ssa.Value) *Tx {
	return r.handles[v]
}

// Of resolves v, memoised; a value met again while being resolved (a loop
// of phis or stores) counts as no transaction.
func (r *builder) Of(v ssa.Value) *Tx {
	if v == nil {
		return nil
	}
	if tx, ok := r.memo[v]; ok {
		return tx
	}
	if r.visiting[v] {
		return nil
	}
	r.visiting[v] = true
	tx := r.of(v)
	delete(r.visiting, v)
	r.memo[v] = tx
	return tx
}

func (r *builder) of(v ssa.Value) *Tx {
	if ctx, key, ok := ctxValue(v); ok {
		return r.carried(ctx, key) // tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	}
	switch v := v.(type) {
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			if k := r.classifyBegin(call.Common()); k != nil && k.txResult == v.Index {
				return r.begun[call]
			}
			return r.ofBound(call.Common(), v.Index)
		}
	case *ssa.Call:
		c := v.Common()
		if k := r.classifyBegin(c); k != nil && k.txResult == 0 && c.Signature().Results().Len() == 1 {
			return r.begun[v]
		}
		// An ORM's chained call stays on its receiver's transaction.
		if f := catalog.Callee(c); f != nil && apis.IsChained(f) {
			return r.Of(receiverOf(c))
		}
		// sqlc: q.WithTx(tx) and New(tx) bind Queries to the transaction.
		if i := sqlcExecArg(c); i >= 0 {
			return r.Of(c.Args[i])
		}
		if c.Signature().Results().Len() == 1 {
			return r.ofBound(c, 0)
		}
	case *ssa.Field:
		return r.ofField(v.X, fieldName(v.X.Type(), v.Field), v.Parent())
	case *ssa.Parameter:
		if tx := r.params[v]; tx != nil {
			return tx
		}
		if isHandleType(v.Type()) && !apis.IsTx(v.Type()) {
			return r.maybe(v, paramKey) // a DBTX, a repository, a Queries
		}
		return nil
	case *ssa.FreeVar:
		return r.ofFreeVar(v)
	case *ssa.UnOp:
		if x := catalog.Underlying(v); x != v {
			return r.Of(x) // a library's transaction embedding another (sqlx.Tx)
		}
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			return r.ofField(fa.X, fieldName(fa.X.Type(), fa.Field), v.Parent())
		}
		if v.Op == token.MUL {
			return r.ofCell(v.X)
		}
	case *ssa.ChangeInterface:
		return r.Of(v.X)
	case *ssa.MakeInterface:
		return r.Of(v.X)
	case *ssa.ChangeType:
		return r.Of(v.X)
	case *ssa.TypeAssert:
		return r.Of(v.X)
	case *ssa.Phi:
		var found *Tx
		for _, e := range v.Edges {
			if c, ok := e.(*ssa.Const); ok && c.IsNil() {
				continue
			}
			tx := r.Of(e)
			if tx == nil || (found != nil && tx != found) {
				return nil
			}
			found = tx
		}
		return found
	}
	return nil
}

// sqlcExecArg returns the index in c.Args of the executor a sqlc binder
// (New(db), q.WithTx(tx)) binds its Queries to, or -1.
func sqlcExecArg(c *ssa.CallCommon) int {
	f := catalog.Callee(c)
	if f == nil || c.IsInvoke() || !returnsQueries(c.Signature()) {
		return -1
	}
	for _, b := range apis.SqlcBinders {
		if f.Name() == b.Name && len(c.Args) == b.Args {
			return b.ExecArg
		}
	}
	return -1
}

// returnsQueries reports whether a call returns a sqlc *Queries.
func returnsQueries(sig *types.Signature) bool {
	return sig.Results().Len() == 1 && isQueries(sig.Results().At(0).Type())
}

// isQueries reports whether t is a sqlc Queries (or a pointer to one).
func isQueries(t types.Type) bool {
	n := namedOf(t)
	return n != nil && n.Obj().Name() == apis.SqlcQueries
}

// ofFreeVar follows a closure's free variable to the value its parent bound.
func (r *builder) ofFreeVar(v *ssa.FreeVar) *Tx {
	fn := v.Parent()
	idx := -1
	for i, fv := range fn.FreeVars {
		if fv == v {
			idx = i
		}
	}
	var found *Tx
	for _, mc := range r.closures[fn] {
		if idx < 0 || idx >= len(mc.Bindings) {
			return nil
		}
		tx := r.Of(mc.Bindings[idx])
		if tx == nil {
			tx = r.ofCell(mc.Bindings[idx])
		}
		if tx == nil || (found != nil && tx != found) {
			return nil
		}
		found = tx
	}
	return found
}

// ofCell resolves a load from a local variable's cell (an Alloc captured by
// a closure, or a free variable pointing at one): every store must agree.
func (r *builder) ofCell(addr ssa.Value) *Tx {
	if fv, ok := addr.(*ssa.FreeVar); ok {
		return r.Of(fv)
	}
	a, ok := addr.(*ssa.Alloc)
	if !ok {
		return nil
	}
	if r.visiting[a] {
		return nil
	}
	r.visiting[a] = true
	defer delete(r.visiting, a)
	var found *Tx
	for _, ref := range *a.Referrers() {
		st, ok := ref.(*ssa.Store)
		if !ok || st.Addr != a {
			continue
		}
		if c, ok := st.Val.(*ssa.Const); ok && c.IsNil() {
			continue
		}
		tx := r.Of(st.Val)
		if tx == nil || (found != nil && tx != found) {
			return nil
		}
		found = tx
	}
	return found
}

// commitOf returns the transaction a commit function value ends.
func (r *builder) commitOf(v ssa.Value) *Tx {
	switch v := v.(type) {
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			if k := r.classifyBegin(call.Common()); k != nil && k.commitResult == v.Index {
				return r.begun[call]
			}
		}
	case *ssa.Call:
		if k := r.classifyBegin(v.Common()); k != nil && k.commitResult == 0 && v.Common().Signature().Results().Len() == 1 {
			return r.begun[v]
		}
	case *ssa.Phi:
		var found *Tx
		for _, e := range v.Edges {
			tx := r.commitOf(e)
			if tx == nil || (found != nil && tx != found) {
				return nil
			}
			found = tx
		}
		return found
	}
	return nil
}

// OfCall returns the transaction a query call runs in: its receiver (tx.Exec,
// q.TaskGet with q bound by WithTx) or, for sqlc's
// emit_methods_with_db_argument shape and helpers, the first argument that
// is a transaction. Nil means autocommit or unknown.
//
// A call of a function that runs its statements on the transaction its
// context argument carries (a repository method picking it with
// From(ctx, pool)) runs in that transaction.
func (r *Result) OfCall(c *ssa.CallCommon) *Tx {
	return ofCall(r.Of, func(c *ssa.CallCommon) *Tx { return r.ctxCalls[c] }, c)
}

// ofCall is OfCall with the given resolvers of handles and of context
// transactions.
func ofCall(of func(ssa.Value) *Tx, uses func(*ssa.CallCommon) *Tx, c *ssa.CallCommon) *Tx {
	if tx := uses(c); tx != nil {
		return tx
	}
	if tx := of(receiverOf(c)); tx != nil {
		return tx
	}
	for _, a := range c.Args {
		if tx := of(a); tx != nil {
			return tx
		}
	}
	return nil
}

// Enclosing returns the transaction the whole body of fn runs in because fn
// is a callback of BeginFunc, BeginTxFunc or a wrapper of them, or nil.
func (r *Result) Enclosing(fn *ssa.Function) *Tx {
	return r.enclosing[fn]
}

// Callback reports whether call runs one of its arguments inside a
// transaction (pgx.BeginFunc, BeginTxFunc, wrappers): it returns that
// argument and the transaction, or nil, nil. For an anonymous function the
// transaction is also its Enclosing one; a named function passed as the
// callback has no Enclosing transaction, since it may run elsewhere too.
func (r *Result) Callback(call ssa.CallInstruction) (ssa.Value, *Tx) {
	cb, ok := r.callbacks[call]
	if !ok {
		return nil, nil
	}
	return cb.arg, cb.tx
}

// Func returns the transactions that start in fn: begun there, received as
// parameters, or enclosing it as a callback.
func (r *Result) Func(fn *ssa.Function) []*Tx {
	return slices.Clip(r.byFunc[fn]) // an append by the caller copies
}

// OpenAt reports whether tx may still be open when instr runs: some path
// from where tx starts reaches instr without passing Commit, Rollback or
// another end of tx, and without taking the branch where Begin failed.
// For instr in a closure, the closure's call sites (or, for a callback, its
// runner) stand for it.
func (r *Result) OpenAt(tx *Tx, instr ssa.Instruction) bool {
	return r.openAt(tx, instr, 0)
}

func (r *Result) openAt(tx *Tx, instr ssa.Instruction, depth int) bool {
	fn := instr.Parent()
	if fn == tx.Fn {
		return r.reaches(tx, instr)
	}
	if depth > 8 || fn.Parent() == nil {
		return false
	}
	if enc := r.enclosing[fn]; enc != nil {
		return false // runs inside its own transaction, not the parent's
	}
	for _, site := range r.callSites(fn) {
		if r.openAt(tx, site, depth+1) {
			return true
		}
	}
	return false
}

// callSites returns the instructions that call the closure fn directly in
// its parent (f := func(){...}; f(), or go f()).
func (r *Result) callSites(fn *ssa.Function) []ssa.CallInstruction {
	return r.sites[fn]
}

// groupMethods are the methods that run their func argument on a goroutine
// the caller waits for (g.Wait) before going on: errgroup's Go and TryGo.
var groupMethods = map[string]bool{
	"golang.org/x/sync/errgroup.Group.Go":    true,
	"golang.org/x/sync/errgroup.Group.TryGo": true,
}

// groupFunc returns the anonymous function an errgroup call runs, or nil.
// The closure stands for code run where the call is, as a direct call
// does: a transaction open at g.Go is open in the closure.
func groupFunc(c *ssa.CallCommon) *ssa.Function {
	f := catalog.Callee(c)
	if f == nil || c.IsInvoke() || len(c.Args) != 2 || !groupMethods[FuncKey(f)] {
		return nil
	}
	return AnonFunc(c.Args[1])
}

// AnonFunc returns the anonymous function v creates, with or without free
// variables, or nil.
func AnonFunc(v ssa.Value) *ssa.Function {
	switch v := v.(type) {
	case *ssa.MakeClosure:
		if fn, ok := v.Fn.(*ssa.Function); ok && fn.Parent() != nil {
			return fn // not a method value's wrapper
		}
	case *ssa.Function:
		if v.Parent() != nil {
			return v
		}
	}
	return nil
}

// EndedAt reports whether tx has been committed or rolled back on every
// path that reaches instr (so nothing it locked protects instr).
func (r *Result) EndedAt(tx *Tx, instr ssa.Instruction) bool {
	if instr.Parent() != tx.Fn {
		return false
	}
	return len(tx.ends) > 0 && !r.reaches(tx, instr)
}

// Open returns the outermost transactions that may be open at instr.
func (r *Result) Open(instr ssa.Instruction) []*Tx {
	var out []*Tx
	seen := make(map[*Tx]bool)
	var visit func(fn *ssa.Function, at ssa.Instruction, depth int)
	visit = func(fn *ssa.Function, at ssa.Instruction, depth int) {
		for _, tx := range r.byFunc[fn] {
			root := tx.Root()
			if !seen[root] && tx.Parent == nil && r.reaches(tx, at) {
				seen[root] = true
				out = append(out, root)
			}
		}
		if fn.Parent() == nil || depth > 8 {
			return
		}
		if enc := r.enclosing[fn]; enc != nil {
			// A savepoint's callback: its transaction is open where the
			// callback is run.
			if enc.Parent != nil {
				if run := r.runnerOf(fn); run != nil {
					visit(run.Parent(), run, depth+1)
				}
			}
			return
		}
		for _, site := range r.callSites(fn) {
			visit(site.Parent(), site, depth+1)
		}
	}
	visit(instr.Parent(), instr, 0)
	return out
}

// runnerOf returns the call that runs the anonymous function fn inside a
// transaction, or nil.
func (r *Result) runnerOf(fn *ssa.Function) ssa.CallInstruction {
	for call, cb := range r.callbacks {
		if AnonFunc(cb.arg) == fn {
			return call
		}
	}
	return nil
}

// reaches reports whether instr (in tx.Fn) is reachable from tx's start
// without passing an end of tx or the begin call again.
func (r *Result) reaches(tx *Tx, instr ssa.Instruction) bool {
	target := instr.Block()
	if target == nil || tx.Fn.Blocks == nil {
		return false
	}
	ends := make(map[ssa.Instruction]bool, len(tx.ends))
	for _, e := range tx.ends {
		ends[e] = true
	}
	// scan walks b from index start; it returns (found, passesThrough).
	scan := func(b *ssa.BasicBlock, start int) (bool, bool) {
		for i := start; i < len(b.Instrs); i++ {
			in := b.Instrs[i]
			if in == instr {
				return true, false
			}
			if ends[in] || (tx.begin != nil && in == tx.begin) {
				return false, false
			}
		}
		return false, true
	}
	var startBlock *ssa.BasicBlock
	startIdx := 0
	if tx.begin != nil {
		startBlock = tx.begin.Block()
		for i, in := range startBlock.Instrs {
			if in == tx.begin {
				startIdx = i + 1
			}
		}
	} else {
		startBlock = tx.Fn.Blocks[0]
	}
	found, through := scan(startBlock, startIdx)
	if found {
		return true
	}
	if !through {
		return false
	}
	seen := make(map[*ssa.BasicBlock]bool)
	queue := r.successors(tx, startBlock)
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		if seen[b] {
			continue
		}
		seen[b] = true
		found, through := scan(b, 0)
		if found {
			return true
		}
		if through {
			queue = append(queue, r.successors(tx, b)...)
		}
	}
	return false
}

// successors returns b's successors, leaving out the branch taken when the
// transaction's begin call failed.
func (r *Result) successors(tx *Tx, b *ssa.BasicBlock) []*ssa.BasicBlock {
	return OnSuccess(b, tx.errVal)
}

// OnSuccess returns b's successors, leaving out the branch taken when err
// is not nil (if b ends in "if err != nil" or "if err == nil").
func OnSuccess(b *ssa.BasicBlock, err ssa.Value) []*ssa.BasicBlock {
	if err == nil || len(b.Succs) != 2 || len(b.Instrs) == 0 {
		return b.Succs
	}
	ifInstr, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok {
		return b.Succs
	}
	cond, ok := ifInstr.Cond.(*ssa.BinOp)
	if !ok || (cond.Op != token.NEQ && cond.Op != token.EQL) {
		return b.Succs
	}
	isNil := func(v ssa.Value) bool { c, ok := v.(*ssa.Const); return ok && c.IsNil() }
	if !((cond.X == err && isNil(cond.Y)) || (cond.Y == err && isNil(cond.X))) {
		return b.Succs
	}
	if cond.Op == token.NEQ {
		return b.Succs[1:] // the true branch is the failure
	}
	return b.Succs[:1]
}

// ErrorResult returns the error a call returns (its only result, or the last
// of a tuple), or nil.
func ErrorResult(call ssa.CallInstruction) ssa.Value {
	v := call.Value()
	if v == nil {
		return nil
	}
	if isErrorType(v.Type()) {
		return v
	}
	tuple, ok := v.Type().(*types.Tuple)
	if !ok || tuple.Len() == 0 || !isErrorType(tuple.At(tuple.Len()-1).Type()) {
		return nil
	}
	for _, ref := range *v.Referrers() {
		if ex, ok := ref.(*ssa.Extract); ok && ex.Index == tuple.Len()-1 {
			return ex
		}
	}
	return nil
}

// deriveFact summarises what fn does with transactions for its callers.
func (r *builder) deriveFact(fn *ssa.Function) *BeginFact {
	if fn.Blocks == nil {
		return nil
	}
	f := newFact()
	var begun *Tx
	forEachInstr(fn, func(instr ssa.Instruction) {
		ret, ok := instr.(*ssa.Return)
		if !ok {
			return
		}
		for i, v := range ret.Results {
			if tx := r.Of(v); tx != nil && tx.Kind == Begun && tx.Fn == fn && tx.Parent == nil {
				f.TxResult, begun = i, tx
			}
			if p, ok := r.putBy(v); ok && isContext(v.Type()) {
				if tx := r.Of(p.val); tx != nil && tx.Kind == Begun && tx.Fn == fn && tx.Parent == nil {
					f.CtxResult, f.CtxKey, begun = i, p.key, tx
				}
			}
			if mc, ok := v.(*ssa.MakeClosure); ok {
				if tx := r.commitsParentTx(fn, mc); tx != nil {
					f.CommitResult = i
					if begun == nil {
						begun = tx
					}
				}
			}
		}
	})
	if begun != nil {
		f.setLevel(fn, begun.level)
	}
	f.EndsCtx = r.endsCarried(fn)
	for i, p := range fn.Params {
		if tx := r.params[p]; tx != nil && tx.Kind == Param && len(tx.ends) > 0 {
			f.EndsParams = append(f.EndsParams, i)
		}
		if _, ok := types.Unalias(p.Type()).Underlying().(*types.Signature); ok {
			if in, l, key := r.runsInTx(fn, p); in {
				f.CallbackParam, f.CallbackCtx = i, key
				if begun == nil {
					f.setLevel(fn, l)
				}
			}
		}
	}
	if !f.begins() && f.CallbackParam < 0 && len(f.EndsParams) == 0 && len(f.EndsCtx) == 0 {
		return nil
	}
	return f
}

// endsCarried returns the context parameters of fn, with their keys, whose
// carried transaction fn commits or rolls back, in a stable order.
func (r *builder) endsCarried(fn *ssa.Function) []Source {
	var out []Source
	for k, tx := range r.maybes {
		if len(tx.ends) == 0 || !isContext(k.root.Type()) {
			continue
		}
		if s, ok := r.maybeSource(fn, tx); ok && s.Key != "" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Source) int {
		if a.Param != b.Param {
			return a.Param - b.Param
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// commitsParentTx returns the transaction begun in fn that the closure mc
// commits or rolls back.
func (r *builder) commitsParentTx(fn *ssa.Function, mc *ssa.MakeClosure) *Tx {
	cf, ok := mc.Fn.(*ssa.Function)
	if !ok {
		return nil
	}
	for _, tx := range r.byFunc[fn] {
		if tx.Kind != Begun {
			continue
		}
		for _, e := range tx.ends {
			if e.Parent() == cf {
				return tx
			}
		}
	}
	return nil
}

// runsInTx reports whether the func parameter p of fn is called while a
// transaction is open, or handed to a callback runner, the isolation level
// of that transaction, and the key under which the callback's context
// carries it.
func (r *builder) runsInTx(fn *ssa.Function, p *ssa.Parameter) (bool, level, string) {
	for _, u := range ValuesOf(fn, p) {
		for _, ref := range *u.Referrers() {
			call, ok := ref.(ssa.CallInstruction)
			if !ok {
				continue
			}
			c := call.Common()
			if c.Value == u && !c.IsInvoke() {
				if open := r.Open(call); len(open) > 0 {
					return true, open[0].level, r.ctxKeyOf(c.Args, open[0])
				}
				continue
			}
			if k := r.classifyBegin(c); k != nil && k.callbackArg >= 0 && k.callbackArg < len(c.Args) && c.Args[k.callbackArg] == u {
				return true, k.level, k.ctxKey
			}
		}
	}
	return false, level{iso: IsolationUnknown}, ""
}

// ctxKeyOf returns the key under which a context among args carries tx, or
// "": fn(WithTx(ctx, tx)) hands the callback its transaction in ctx.
func (r *builder) ctxKeyOf(args []ssa.Value, tx *Tx) string {
	for _, a := range args {
		if !isContext(a.Type()) {
			continue
		}
		v := a
		for range 8 {
			call, ok := v.(*ssa.Call)
			if !ok {
				break
			}
			if p, ok := r.putOf(call.Common(), 0); ok {
				if t := r.Of(p.val); t != nil && t.Root() == tx.Root() {
					return p.key
				}
				v = p.ctx
				continue
			}
			break
		}
	}
	return ""
}

// setLevel records a wrapper's isolation level: a constant, or the
// parameter of fn it comes from.
func (f *BeginFact) setLevel(fn *ssa.Function, l level) {
	f.Isolation = l.iso
	if l.param == nil || l.param.Parent() != fn {
		return
	}
	for i, p := range fn.Params {
		if p == l.param {
			f.IsolationParam, f.IsolationField = i, l.field
		}
	}
}

// forEachInstr calls visit for every instruction of fn.
func forEachInstr(fn *ssa.Function, visit func(ssa.Instruction)) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			visit(instr)
		}
	}
}

// forEachCall calls visit for every call, go and defer instruction of fn.
func forEachCall(fn *ssa.Function, visit func(ssa.CallInstruction)) {
	forEachInstr(fn, func(instr ssa.Instruction) {
		if call, ok := instr.(ssa.CallInstruction); ok {
			visit(call)
		}
	})
}

// Describe returns a short description of where tx starts, for messages:
// "transaction begun by BeginTx at line 31".
func (r *Result) Describe(tx *Tx) string {
	line := r.fset.Position(tx.Pos).Line
	switch tx.Kind {
	case Param:
		return "transaction received as " + tx.Via + " at line " + strconv.Itoa(line)
	case Callback:
		return "transaction of the " + tx.Via + " callback at line " + strconv.Itoa(line)
	case Maybe:
		return "transaction the " + tx.Via + " at line " + strconv.Itoa(line) + " may hold"
	}
	return "transaction begun by " + strings.TrimPrefix(tx.Via, "parameter ") + " at line " + strconv.Itoa(line)
}
