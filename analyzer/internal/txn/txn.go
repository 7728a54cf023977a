// Package txn tracks database transactions through a package's SSA form for
// the txvet analyzers.
//
// Transactions are recognised, from the libraries in package apis, when
// they are
//   - begun: a begin call of the table (Begin/BeginTx returning a
//     transaction type, on a pool, a connection or a transaction, where it is
//     a savepoint: a Tx with Parent);
//   - parameters of a transaction type (the caller's open transaction);
//   - the body of a callback run inside one: pgx.BeginFunc, pgx.BeginTxFunc,
//     and wrappers that pass their func argument on or call it from such a
//     callback (pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { ...; return
//     fn(tx) })) (see [BeginFact]);
//   - returned by helpers, with or without a commit function, or in the
//     context a helper returns (ctx, err := txm.Begin(ctx), ended by
//     txm.Commit(ctx)) (see [BeginFact]);
//   - begun by functions named with the -txvet.beginfuncs flag (exposed here as
//     the analyzer's "beginfuncs" flag): a function with a func parameter runs
//     its last func parameter inside a transaction; otherwise its first result
//     is the transaction and a result of type func() error commits it.
//
// Handles follow the value: interface conversions, phis, captured variables,
// sqlc's q.WithTx(tx) and db.New(tx), and the *Queries parameter of a
// callback run in a transaction (sqlc's execTx pattern: fn(db.New(tx))).
// They also follow the transaction where services keep it (see
// [HandleFact]): carried in a context.Context (WithTx(ctx, tx), a getter
// picking it or the pool, a runner handing its callback such a context),
// held in a struct field (u.tx, a repository WithTx bound), behind an
// interface whose implementations agree. A handle whose transaction is not
// known (a context parameter, a DBTX field or parameter) is a Tx of Kind
// Maybe: statements on it share it, and nothing else is assumed.
//
// API (from analysis.Pass.ResultOf[txn.Analyzer].(*txn.Result)):
//
//	r.Of(v)              the *Tx a database handle value refers to, or nil (pool, autocommit, unknown)
//	r.OfCall(call)       the *Tx a query call runs in: its receiver or its DBTX argument
//	r.Enclosing(fn)      the *Tx a callback function's whole body runs in, or nil
//	r.Callback(call)     the argument call runs inside a transaction (BeginFunc...), and that *Tx
//	r.OpenAt(tx, instr)  whether tx may still be open when instr runs (not ended on some path)
//	r.EndedAt(tx, instr) whether tx is committed or rolled back on every path to instr
//	r.Open(instr)        every outermost transaction that may be open at instr
//	tx.Isolation         from constant pgx.TxOptions / sql.TxOptions, or a first statement
//	                     SET TRANSACTION ISOLATION LEVEL ... (literal, a sqlc query or a
//	                     helper running it on the transaction), else IsolationUnknown
//	tx.BeginCall()       the call that begins a Begun transaction
//
//	txn.BuildSSA(pass)   SSA for a package txn skipped (Relevant is false)
//	txn.OnSuccess(b, err) b's successors minus the branch taken when err != nil
//	txn.ErrorResult(call) the error a call returns, or nil
//	txn.ValuesOf(fn, p)  the values carrying parameter p in fn and its closures
//	r.Relevant           false when the package cannot touch a database (nothing else is set)
//	r.SrcFuncs           the package's SSA functions, anonymous ones included, in source order
//
// txn builds the SSA form itself, only for packages that can touch a
// database (apis.Uses: they import a database library, directly or through
// another package) or when -beginfuncs is set, so analyzers that require
// txn should take their SSA from r.SrcFuncs rather than requiring buildssa,
// which would build SSA for every package.
//
// Facts: [BeginFact] on functions that begin transactions for their
// callers; [HandleFact] on functions that hand out, put in a context or use
// a handle their caller gave.
package txn

import (
	"flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/fixpoint"
)

// Analyzer computes the transaction structure of a package. It reports
// nothing; its result is a *Result.
var Analyzer = &analysis.Analyzer{
	Name:       "txn",
	Doc:        "track database transactions for the txvet analyzers",
	Requires:   []*analysis.Analyzer{ctrlflow.Analyzer, apis.Analyzer, catalog.Analyzer},
	ResultType: reflect.TypeOf((*Result)(nil)),
	FactTypes:  []analysis.Fact{(*BeginFact)(nil), (*HandleFact)(nil)},
	Flags:      flags(),
	Run:        run,
}

// BeginFuncs holds the -beginfuncs flag: extra transaction-begin functions.
var BeginFuncs = FuncSet{}

func flags() flag.FlagSet {
	fs := flag.NewFlagSet("txn", flag.ExitOnError)
	fs.Var(BeginFuncs, "beginfuncs", "extra transaction-begin functions: comma-separated pkg.Func or (*pkg.T).Method")
	return *fs
}

// Kind says how a transaction reaches the code.
type Kind int

const (
	// Begun by a call in this function (Begin, BeginTx, a helper).
	Begun Kind = iota
	// Param is the caller's transaction, received as a parameter.
	Param
	// Callback is the transaction a callback's whole body runs in.
	Callback
	// Maybe is whatever a handle the caller gave holds: the transaction a
	// context parameter may carry, a DBTX field that may hold the pool.
	// Statements on it share it; it is not known to be open, so Func and
	// Open leave it out.
	Maybe
)

// Isolation is a transaction's isolation level.
type Isolation int

// Isolation levels. IsolationDefault means none was given (the server's
// default, normally read committed).
const (
	IsolationUnknown Isolation = iota
	IsolationDefault
	ReadUncommitted
	ReadCommitted
	RepeatableRead
	Serializable
)

var isolationNames = [...]string{"unknown", "default", "read uncommitted", "read committed", "repeatable read", "serializable"}

func (i Isolation) String() string {
	if i >= 0 && int(i) < len(isolationNames) {
		return isolationNames[i]
	}
	return "unknown"
}

// PreventsLostUpdate reports whether the level makes PostgreSQL abort one of
// two transactions that update the same row after reading it.
func (i Isolation) PreventsLostUpdate() bool {
	return i == RepeatableRead || i == Serializable
}

// Tx is one transaction as seen from the code.
type Tx struct {
	Kind Kind
	// Pos is where the transaction starts: the begin call, the parameter, or
	// the call that runs the callback.
	Pos token.Pos
	// Via names what began it: "Begin", "BeginTx", "pgx.BeginFunc",
	// "parameter tx", "InTx" and so on.
	Via       string
	Isolation Isolation
	// NoOptions is set when the begin call takes no transaction options
	// (Begin, BeginFunc): the level is the server's default, not a choice
	// made elsewhere.
	NoOptions bool
	// Parent is the enclosing transaction of a savepoint, else nil.
	Parent *Tx
	// Fn is the function holding the begin call, the parameter, or (for a
	// callback) the callback itself.
	Fn *ssa.Function

	level  level           // where the isolation level comes from
	begin  ssa.Instruction // the begin call (Begun only)
	errVal ssa.Value       // the begin call's error result, if any
	ends   []ssa.Instruction
}

// Root returns the outermost transaction (itself unless a savepoint).
func (t *Tx) Root() *Tx {
	for t.Parent != nil {
		t = t.Parent
	}
	return t
}

// Ends returns the calls that end the transaction: Commit, Rollback, a
// returned commit function, or a helper that ends its transaction argument.
func (t *Tx) Ends() []ssa.Instruction { return slices.Clip(t.ends) }

// BeginCall returns the call that begins a Begun transaction, or nil.
func (t *Tx) BeginCall() ssa.Instruction { return t.begin }

// BeginFact marks a function that begins a transaction for its caller.
// Indexes count the receiver of a method as argument 0, as in SSA.
type BeginFact struct {
	TxResult     int // result that is the transaction, or -1
	CommitResult int // result that is a function committing it, or -1
	// CtxResult is the result that is a context carrying the transaction
	// under CtxKey (ctx, err := txm.Begin(ctx)), or -1.
	CtxResult     int
	CtxKey        string
	CallbackParam int // parameter (a func) called inside a transaction, or -1
	EndsParams    []int
	// EndsCtx are the context parameters, with their keys, whose carried
	// transaction the function ends (txm.Commit(ctx)).
	EndsCtx   []Source
	Isolation Isolation
	// IsolationParam is the parameter the level comes from (IsolationField
	// of it when set), when the wrapper passes the caller's choice on; -1
	// otherwise.
	IsolationParam int
	IsolationField string
	// CallbackCtx is the context key under which the callback's context
	// argument carries the transaction (fn(WithTx(ctx, tx))), or "".
	CallbackCtx string
}

// AFact marks BeginFact as an analysis fact.
func (*BeginFact) AFact() {}

func (f *BeginFact) String() string {
	return fmt.Sprintf("txn(tx=%d commit=%d ctx=%d/%q callback=%d ends=%v endsctx=%v iso=%s)", f.TxResult, f.CommitResult, f.CtxResult, f.CtxKey, f.CallbackParam, f.EndsParams, f.EndsCtx, f.Isolation)
}

func (f *BeginFact) begins() bool { return f.TxResult >= 0 || f.CommitResult >= 0 || f.CtxResult >= 0 }

func newFact() *BeginFact {
	return &BeginFact{TxResult: -1, CommitResult: -1, CtxResult: -1, CallbackParam: -1, IsolationParam: -1}
}

func run(pass *analysis.Pass) (any, error) {
	// Other packages cost nothing: no SSA is built for them.
	if !pass.ResultOf[apis.Analyzer].(*apis.Uses).Database && len(BeginFuncs) == 0 {
		return &Result{}, nil
	}
	funcs := BuildSSA(pass)
	local := make(map[*types.Func]*BeginFact)
	hlocal := make(map[*types.Func]*HandleFact)
	imported := importedHandleNames(pass)
	var r *builder
	// Facts of this package's own wrappers feed each other: iterate until
	// they settle (a wrapper of a wrapper needs a second round).
	fixpoint.Iterate(4, func() bool {
		r = newBuilder(pass, funcs, local, hlocal, imported)
		r.build()
		changed := false
		for _, fn := range funcs {
			obj, _ := fn.Object().(*types.Func)
			if obj == nil {
				continue
			}
			changed = update(local, obj, r.deriveFact(fn)) || changed
			changed = update(hlocal, obj, r.deriveHandleFact(fn)) || changed
		}
		return changed
	})
	for obj, f := range local {
		pass.ExportObjectFact(obj, f)
	}
	for obj, f := range hlocal {
		pass.ExportObjectFact(obj, f)
	}
	return r.freeze(), nil
}

// update sets m[obj] to f (deleting it for nil) and reports whether that
// changed it.
func update[F any](m map[*types.Func]*F, obj *types.Func, f *F) bool {
	old := m[obj]
	if (f == nil && old == nil) || (f != nil && old != nil && reflect.DeepEqual(f, old)) {
		return false
	}
	if f == nil {
		delete(m, obj)
	} else {
		m[obj] = f
	}
	return true
}

// BuildSSA builds the package's SSA form, as buildssa does, and returns its
// source functions, anonymous ones included, in source order. Analyzers
// that need SSA for a package where Result.Relevant is false call it
// themselves; the pass should require ctrlflow (for calls that never return).
func BuildSSA(pass *analysis.Pass) []*ssa.Function {
	prog := ssa.NewProgram(pass.Fset, 0)
	if cfgs, ok := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs); ok {
		prog.SetNoReturn(cfgs.NoReturn)
	}
	for _, p := range pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	var funcs []*ssa.Function
	var add func(f *ssa.Function)
	add = func(f *ssa.Function) {
		funcs = append(funcs, f)
		for _, anon := range f.AnonFuncs {
			add(anon)
		}
	}
	for _, file := range pass.Files {
		for _, decl := range file.Decls {
			if decl, ok := decl.(*ast.FuncDecl); ok {
				if obj, ok := pass.TypesInfo.Defs[decl.Name].(*types.Func); ok {
					if f := prog.FuncValue(obj); f != nil {
						add(f)
					}
				}
			}
		}
	}
	return funcs
}

// receiverOf returns the receiver of a method call, or nil.
func receiverOf(c *ssa.CallCommon) ssa.Value {
	if c.IsInvoke() {
		return c.Value
	}
	if fn := c.StaticCallee(); fn != nil && fn.Signature.Recv() != nil && len(c.Args) > 0 {
		return c.Args[0]
	}
	return nil
}

// level is an isolation level as far as it is known: a constant, or the
// parameter (and field of it) a wrapper takes it from.
type level struct {
	iso   Isolation
	param *ssa.Parameter
	field string
}

// isoFields are the option struct fields that hold the level: pgx's
// TxOptions.IsoLevel, database/sql's TxOptions.Isolation and so on.
var isoFields = apis.IsolationFields()

// isolationOf reads the isolation level from a pgx.TxOptions value or a
// *sql.TxOptions pointer.
func isolationOf(v ssa.Value) level {
	return levelIn(v, isoFields)
}

// levelIn reads the level stored in one of fields of the options struct v
// (a value or a pointer to a composite literal).
func levelIn(v ssa.Value, fields map[string]bool) level {
	switch v := v.(type) {
	case *ssa.Const:
		if v.IsNil() || v.Value == nil {
			return level{iso: IsolationDefault}
		}
	case *ssa.UnOp:
		if v.Op == token.MUL {
			if a, ok := v.X.(*ssa.Alloc); ok {
				return levelFromAlloc(a, fields)
			}
		}
	case *ssa.Alloc:
		return levelFromAlloc(v, fields)
	case *ssa.Parameter:
		return level{param: v}
	}
	return level{iso: IsolationUnknown}
}

// levelFromAlloc finds the level stored in one of fields of a composite
// literal: a constant, or a wrapper's parameter (opts.Isolation, or iso).
func levelFromAlloc(a *ssa.Alloc, fields map[string]bool) level {
	found := level{iso: IsolationDefault}
	for _, ref := range *a.Referrers() {
		switch ref := ref.(type) {
		case *ssa.FieldAddr:
			st := pointedStruct(ref.X.Type())
			if st == nil || !fields[st.Field(ref.Field).Name()] {
				continue
			}
			for _, fr := range *ref.Referrers() {
				store, ok := fr.(*ssa.Store)
				if !ok || store.Addr != ref {
					continue
				}
				found = levelOfValue(store.Val)
			}
		case *ssa.Store:
			if ref.Addr == a {
				return level{iso: IsolationUnknown}
			}
		}
	}
	return found
}

// levelOfValue reads a level value: a constant, a parameter, or a field of
// a parameter.
func levelOfValue(v ssa.Value) level {
	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil {
			return level{iso: IsolationUnknown}
		}
		return level{iso: levelOfConst(v.Value)}
	case *ssa.Parameter:
		return level{param: v}
	case *ssa.Field:
		if p, ok := v.X.(*ssa.Parameter); ok {
			st, ok := types.Unalias(p.Type()).Underlying().(*types.Struct)
			if ok {
				return level{param: p, field: st.Field(v.Field).Name()}
			}
		}
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			if p := paramBehind(fa.X); p != nil {
				if st := pointedStruct(fa.X.Type()); st != nil {
					return level{param: p, field: st.Field(fa.Field).Name()}
				}
			}
		}
	}
	return level{iso: IsolationUnknown}
}

// pointedStruct returns the struct type t points to, or nil (also for type
// parameters, whose fields SSA addresses through their core type).
func pointedStruct(t types.Type) *types.Struct {
	p, ok := types.Unalias(t).Underlying().(*types.Pointer)
	if !ok {
		return nil
	}
	st, _ := types.Unalias(p.Elem()).Underlying().(*types.Struct)
	return st
}

// paramBehind returns the parameter v points to: a pointer parameter, or
// the local copy SSA makes of a struct parameter whose fields are addressed.
func paramBehind(v ssa.Value) *ssa.Parameter {
	switch v := v.(type) {
	case *ssa.Parameter:
		return v
	case *ssa.Alloc:
		var p *ssa.Parameter
		for _, ref := range *v.Referrers() {
			if st, ok := ref.(*ssa.Store); ok && st.Addr == v {
				sp, ok := st.Val.(*ssa.Parameter)
				if !ok || p != nil {
					return nil
				}
				p = sp
			}
		}
		return p
	}
	return nil
}

// levelAt reads the level a call passes to a wrapper whose fact says where
// the wrapper takes it from.
func levelAt(c *ssa.CallCommon, bf *BeginFact) Isolation {
	if bf.IsolationParam < 0 || c.IsInvoke() || bf.IsolationParam >= len(c.Args) {
		return bf.Isolation
	}
	arg := c.Args[bf.IsolationParam]
	var l level
	if bf.IsolationField == "" {
		l = levelOfValue(arg)
	} else {
		l = levelIn(arg, map[string]bool{bf.IsolationField: true})
	}
	if l.param != nil {
		return IsolationUnknown
	}
	return l.iso
}

// levelOfConst reads a constant level value of any supported library.
func levelOfConst(v constant.Value) Isolation {
	name := ""
	switch v.Kind() {
	case constant.String:
		name = apis.LevelOfString(constant.StringVal(v))
	case constant.Int:
		if n, ok := constant.Int64Val(v); ok {
			name = apis.LevelOfInt(n)
		}
	}
	for i, n := range isolationNames {
		if name != "" && n == name {
			return Isolation(i)
		}
	}
	return IsolationUnknown
}
