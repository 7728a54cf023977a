package catalog

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/fixpoint"
)

// Analyzer builds the query catalog of a package: it exports a QueryFact for
// every sqlc-generated query method and every function that forwards to one
// statement, and returns a *Catalog that classifies calls.
var Analyzer = &analysis.Analyzer{
	Name:       "txvetcatalog",
	Doc:        "classify the SQL run by sqlc-generated queries, wrappers and literal SQL calls",
	Run:        run,
	Requires:   []*analysis.Analyzer{apis.Analyzer},
	ResultType: reflect.TypeFor[*Catalog](),
	FactTypes:  []analysis.Fact{new(QueryFact), new(TableFact), new(ForwardFact), new(NamingFact)},
}

// ArgRef says where the Go value of one SQL parameter comes from: the
// function's parameter Param (receiver excluded), or the field Field of it
// when it is a params struct. Param is NoParam when the value does not come
// from a parameter.
type ArgRef struct {
	Param int
	Field string
}

// NoParam is the ArgRef.Param of a value that comes from no parameter.
const NoParam = -1

// Where the connection of a QueryFact comes from when it is no parameter.
const (
	// ExecReceiver is the receiver or a field of it (q.db, a store's pool).
	ExecReceiver = -1
	// ExecUnknown is anything else.
	ExecUnknown = -2
)

// QueryFact is attached to a function or method that runs one statement:
// a sqlc-generated query method, or a wrapper that forwards to one query.
type QueryFact struct {
	Stmt *Statement
	// Query is the sqlc query name (or "Exec"/"Query"/... for literal SQL)
	// of the statement, for messages; a wrapper's own name may differ.
	Query string
	// Exec is the index of the parameter that supplies the connection or
	// transaction (the DBTX argument), or ExecReceiver or ExecUnknown.
	Exec int
	// Args maps $n (Args[n-1]) to the Go value passed for it.
	Args []ArgRef
	// Result names, per result column, the field of the first result that
	// receives it ("" when the first result is the column value itself);
	// with ScanOnly, the fields the read fills instead, not one per column
	// ("" for the whole result).
	Result []string
	// Many is set when the first result is a slice of rows.
	Many bool
	// One is set for a wrapper of a literal one-row read (QueryRow, Get),
	// whose "no row" is the library's NotFound error, made up by the
	// client.
	One bool
	// ScanOnly is set for a wrapper of literal SQL: its first result holds
	// values read only in the fields Result lists, those its Scan (or
	// sqlx's Get) fills.
	ScanOnly bool
	// Pkg is the path of the package that defines the query.
	Pkg string
}

func (*QueryFact) AFact() {}

func (f *QueryFact) String() string {
	return fmt.Sprintf("query %s: %s", f.Query, f.Stmt.Describe())
}

// Catalog answers "what statement does this call run" for one package. It
// is complete when the catalog's Run returns and read-only afterwards: the
// analyzers that require it run in parallel and share it.
type Catalog struct {
	// Relevant is false when the package cannot touch a database
	// (apis.Uses); analyzers can return at once.
	Relevant bool

	info    *types.Info
	facts   map[*types.Func]*QueryFact // of this package and its dependencies
	tables  map[*types.Func]string     // ORM table methods' constants (TableFact)
	naming  NamingFact                 // how the program names ORM tables
	queries map[string][]query         // sqlc queries by defining package, by name
	tried   map[*types.Func]bool       // interface methods resolved once, during Run
	// forwards are the functions that run the SQL their caller passes.
	forwards map[*types.Func]*ForwardFact
	// fieldStmts are the unexported statement fields of the package's
	// structs assigned once, from a prepare call of constant SQL.
	fieldStmts map[*types.Var]*prepared
}

// query is one sqlc query method.
type query struct {
	name string
	stmt *Statement
	fn   *types.Func
	fact *QueryFact
}

// Sibling returns the name of a query of the same sqlc package as the
// call's query whose statement satisfies match (the first by name), or "".
func (c *Catalog) Sibling(call *Call, match func(*Statement) bool) string {
	if call.pkg == "" {
		return ""
	}
	for _, q := range c.queries[call.pkg] {
		if match(q.stmt) {
			return q.name
		}
	}
	return ""
}

// AtomicUpdate returns the name of a query of the same sqlc package as the
// call's query that updates column of table in SQL (SET col = col + $n), or
// "".
func (c *Catalog) AtomicUpdate(call *Call, table, column string) string {
	return c.Sibling(call, func(s *Statement) bool {
		if s.Kind != Update || s.Table != table {
			return false
		}
		for _, col := range s.Computed {
			if col == column {
				return true
			}
		}
		return false
	})
}

// Call is a call that runs a classified statement.
type Call struct {
	Stmt *Statement
	// Name is how the call is named in messages: the function called
	// (GetRecord, or a wrapper's name) or Exec/Query/... for literal SQL.
	Name string
	// Exec is the value supplying the connection or transaction: the DBTX
	// argument, the receiver (a Queries, pool, conn or tx), nil if unknown.
	Exec ssa.Value
	// Many is set when the first result is a slice of rows.
	Many bool
	// Literal is set for literal SQL passed to pgx or database/sql.
	Literal bool
	// Dest is the value a call reads into or writes from: the &u of an
	// ORM's First(&u) or Save(&u), the destination sqlx's Get and Select
	// scan into; or nil.
	Dest ssa.Value
	// DestFields are the fields of Dest a read fills, when it selects
	// columns (GORM's Select) or leaves some to values of its own (Assign);
	// nil for all.
	DestFields []string
	// One is set for a literal one-row read whose "no row" is the
	// library's NotFound error (QueryRow, Get), and a wrapper of one.
	One bool
	// Read is the read a call runs before its own statement, whose row
	// fills Dest (GORM's FirstOrCreate), and Hit the statement it runs
	// instead of its own when that read finds the row (FirstOrCreate with
	// Assign: an UPDATE of the columns assigned); or nil.
	Read, Hit *Call
	// names are the :name parameters of named SQL (sqlx's NamedExec), by
	// $n; the statement's arguments are then the one struct or map after
	// the SQL.
	names []string

	common *ssa.CallCommon
	pkg    string      // package defining the query, for sqlc queries
	args   []ssa.Value // the call's arguments, receiver excluded
	refs   []ArgRef
	result []string
	// scanOnly: result lists all the fields holding values read.
	scanOnly bool
}

// Common returns the SSA call.
func (c *Call) Common() *ssa.CallCommon { return c.common }

// Arg returns the Go value passed for $n and, when it is a field of a params
// struct, the field's name. v is nil when unknown. For literal SQL the
// value is the variadic argument (an interface conversion of the value).
func (c *Call) Arg(n int) (v ssa.Value, field string) {
	if c.names != nil {
		return namedArg(c.args, c.names, n)
	}
	if c.Literal {
		return VariadicArg(c.args, n-1), ""
	}
	if n < 1 || n > len(c.refs) {
		return nil, ""
	}
	r := c.refs[n-1]
	if r.Param < 0 || r.Param >= len(c.args) {
		return nil, ""
	}
	return c.args[r.Param], r.Field
}

// ResultField returns the row struct field receiving result column i ("" if
// the result is the value itself), and whether it is known. For a wrapper
// of literal SQL (see QueryFact.ScanOnly) the list is of the fields filled,
// not one per column.
func (c *Call) ResultField(i int) (string, bool) {
	if i < 0 || i >= len(c.result) {
		return "", false
	}
	return c.result[i], true
}

// ResultFields lists the row struct fields receiving the result columns.
func (c *Call) ResultFields() []string { return c.result }

// Reads reports whether field of the call's first result ("" for the
// result itself) holds a value the statement read: any field does, but
// for a wrapper of literal SQL, whose result holds the row only in the
// fields its Scan fills (not a time.Now() set beside them, nor what it
// decodes from a column).
func (c *Call) Reads(field string) bool {
	if !c.scanOnly {
		return true
	}
	if field == "" {
		return len(c.result) > 0
	}
	return slices.Contains(c.result, field)
}

// VariadicArg finds element i of the ...any slice that is the last element
// of args, as built by SSA (a slice of a local array whose elements are
// stored one by one).
func VariadicArg(args []ssa.Value, i int) ssa.Value {
	if len(args) == 0 || i < 0 {
		return nil
	}
	sl, ok := args[len(args)-1].(*ssa.Slice)
	if !ok {
		return nil
	}
	arr, ok := sl.X.(*ssa.Alloc)
	if !ok {
		return nil
	}
	for _, ref := range Referrers(arr) {
		ia, ok := ref.(*ssa.IndexAddr)
		if !ok {
			continue
		}
		k, ok := ia.Index.(*ssa.Const)
		if !ok || k.Int64() != int64(i) {
			continue
		}
		for _, r := range Referrers(ia) {
			if st, ok := r.(*ssa.Store); ok && st.Addr == ia {
				return st.Val
			}
		}
	}
	return nil
}

// Of classifies an SSA call: a call of a function with a QueryFact, or a
// pgx / database/sql Exec, Query or QueryRow (and Context variants, and
// *sql.Stmt methods of a prepared constant) with constant SQL. It returns
// nil for anything else.
func (c *Catalog) Of(common *ssa.CallCommon) *Call {
	fn := Callee(common)
	if fn == nil {
		return nil
	}
	recv, args := split(common, fn)
	if call := c.ormCall(common, fn); call != nil {
		return call
	}
	if call := c.batchCall(common, fn, recv); call != nil {
		return call
	}
	if call := copyCall(common, fn, recv, args); call != nil {
		return call
	}
	if f := c.fact(fn); f != nil {
		return &Call{Stmt: f.Stmt, Name: fn.Name(), Many: f.Many, One: f.One, Exec: execValue(f.Exec, args, recv), pkg: f.Pkg, common: common, args: args, refs: f.Args, result: f.Result, scanOnly: f.ScanOnly}
	}
	if q := apis.QueryOf(fn); q != nil && q.SQLArg < len(args) {
		i := q.SQLArg
		st, names := sqlOf(args[i], q.Named)
		if st == nil {
			return nil
		}
		if q.Handle {
			recv = args[q.HandleArg()]
		}
		call := &Call{Stmt: st, Name: fn.Name(), Exec: Underlying(recv), Literal: true, One: q.One, common: common, args: args[i+1:], names: names}
		if q.Dest {
			call.Dest = Underlying(args[i-1])
		}
		return call
	}
	if run := apis.StmtRunOf(fn); run != nil && recv != nil && len(args) > 0 {
		p := c.stmtOf(Underlying(recv), 0)
		if p == nil {
			return nil
		}
		call := &Call{Stmt: p.stmt, Name: fn.Name(), Exec: p.exec, Literal: true, One: run.One, common: common, args: args[len(args)-1:], names: p.names}
		if run.Dest && len(args) > 1 {
			call.Dest = Underlying(args[len(args)-2])
		}
		return call
	}
	return c.forwardCall(fn, common, recv, args)
}

// split returns a call's receiver (nil for a function) and its other
// arguments.
func split(common *ssa.CallCommon, fn *types.Func) (recv ssa.Value, args []ssa.Value) {
	switch {
	case common.IsInvoke():
		return common.Value, common.Args
	case fn.Signature().Recv() != nil && len(common.Args) > 0:
		return common.Args[0], common.Args[1:]
	}
	return nil, common.Args
}

// Statement classifies a call expression in the syntax tree the same way
// as Of, for analyzers that do not build SSA, except ORM chains, prepared
// statements, sqlx.In and batches, which are read from SSA only. It returns
// nil when the call runs no known statement.
func (c *Catalog) Statement(call *ast.CallExpr) *Statement {
	fn, ok := typeutil.Callee(c.info, call).(*types.Func)
	if !ok {
		return nil
	}
	if f := c.fact(fn); f != nil {
		return f.Stmt
	}
	if q := apis.QueryOf(fn); q != nil && q.SQLArg < len(call.Args) {
		if q.Named {
			st, _ := c.namedExpr(call.Args[q.SQLArg])
			return st
		}
		return c.sqlExpr(call.Args[q.SQLArg])
	}
	if f := c.forwards[fn.Origin()]; f != nil && f.SQL < len(call.Args) {
		return c.sqlExpr(call.Args[f.SQL])
	}
	if cp := apis.CopyOf(fn); cp != nil && cp.TableArg < len(call.Args) {
		return copyStatement(identifierLit(c.info, call.Args[cp.TableArg]))
	}
	return nil
}

// sqlExpr classifies a constant SQL expression, or a rebind call of one
// (db.Rebind("... ?")), or returns nil.
func (c *Catalog) sqlExpr(e ast.Expr) *Statement {
	if sql, ok := c.constExpr(e); ok {
		return Classify(sql)
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return nil
	}
	fn, _ := typeutil.Callee(c.info, call).(*types.Func)
	if r := apis.RebindOf(fn); r != nil && !r.Expands && r.SQLArg < len(call.Args) {
		if sql, ok := c.constExpr(call.Args[r.SQLArg]); ok {
			return ClassifyRebound(sql)
		}
	}
	return nil
}

// constExpr returns the value of a constant string expression.
func (c *Catalog) constExpr(e ast.Expr) (string, bool) {
	if tv, ok := c.info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return constant.StringVal(tv.Value), true
	}
	return "", false
}

// sqlOf classifies the SQL value v: a constant, or the result of a rebind
// call of one (db.Rebind("... ?")), or of sqlx.In's expansion of one, or
// of a rebind of that; nil for anything else. Named SQL (:name parameters,
// a constant) is compiled as sqlx does, and the name of each $n returned.
func sqlOf(v ssa.Value, named bool) (*Statement, []string) {
	if named {
		sql, ok := constString(v)
		if !ok {
			return nil, nil
		}
		dollars, names := Named(sql)
		return Classify(dollars), names
	}
	sql, rebound, ok := rewrittenSQL(v, 0)
	switch {
	case !ok:
		return nil, nil
	case rebound:
		return ClassifyRebound(sql), nil
	}
	return Classify(sql), nil
}

// rewrittenSQL follows the SQL value v back through rebind calls to a
// constant, and reports whether a rebind for the driver (not only an
// expansion) was on the way.
func rewrittenSQL(v ssa.Value, depth int) (sql string, rebound, ok bool) {
	if sql, ok := constString(v); ok {
		return sql, false, true
	}
	if ex, isExtract := v.(*ssa.Extract); isExtract && ex.Index == 0 {
		v = ex.Tuple
	}
	call, isCall := v.(*ssa.Call)
	if !isCall || depth > 2 {
		return "", false, false
	}
	args := call.Common().Args
	if !call.Common().IsInvoke() && call.Common().Signature().Recv() != nil {
		args = args[1:]
	}
	r := apis.RebindOf(Callee(call.Common()))
	if r == nil || r.SQLArg >= len(args) {
		return "", false, false
	}
	sql, rebound, ok = rewrittenSQL(args[r.SQLArg], depth+1)
	return sql, rebound || !r.Expands, ok
}

func (c *Catalog) fact(fn *types.Func) *QueryFact {
	return c.facts[fn.Origin()]
}

// Callee returns the function or method a call runs, if known statically
// (generic instances resolve to their origin) or as an interface method.
func Callee(common *ssa.CallCommon) *types.Func {
	if common.IsInvoke() {
		return common.Method
	}
	if sf := common.StaticCallee(); sf != nil {
		if fn, ok := sf.Object().(*types.Func); ok {
			return fn
		}
		if sf.Origin() != nil {
			if fn, ok := sf.Origin().Object().(*types.Func); ok {
				return fn
			}
		}
	}
	return nil
}

// Referrers returns v's referrers, or nil when SSA does not track them
// (constants, globals, functions).
func Referrers(v ssa.Value) []ssa.Instruction {
	if refs := v.Referrers(); refs != nil {
		return *refs
	}
	return nil
}

// Underlying strips interface conversions from v, so an executor passed as
// a DBTX is seen as the pool, conn or transaction it is; and the load of
// an executor embedded in a library's own executor type (sqlx.Tx embeds
// *sql.Tx, whose Exec and Commit it inherits), so a promoted method's
// receiver is seen as the outer executor.
func Underlying(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		case *ssa.UnOp:
			fa, ok := x.X.(*ssa.FieldAddr)
			if x.Op != token.MUL || !ok || !embeddedExecutor(fa.X.Type(), fa.Field) {
				return v
			}
			v = fa.X
		case *ssa.Field:
			if !embeddedExecutor(x.X.Type(), x.Field) {
				return v
			}
			v = x.X
		default:
			return v
		}
	}
}

// namedArg returns the struct and the field bound to $n of named SQL, as
// sqlx's default mapper binds it: the field whose db tag, or else whose
// lower-cased name, is the parameter's name; or, for a map literal, the
// value of that key. A nested name, a field or key not found, or a map
// written anywhere else gives nil.
func namedArg(args []ssa.Value, names []string, n int) (ssa.Value, string) {
	if len(args) != 1 || n < 1 || n > len(names) {
		return nil, ""
	}
	v := Underlying(args[0])
	if m, ok := v.(*ssa.MakeMap); ok {
		return mapLiteralValue(m, names[n-1]), ""
	}
	t := v.Type()
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil, ""
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		tag, _, _ := strings.Cut(reflect.StructTag(st.Tag(i)).Get("db"), ",")
		if tag == names[n-1] || (tag == "" && strings.ToLower(f.Name()) == names[n-1]) {
			return v, f.Name()
		}
	}
	return nil, ""
}

// mapLiteralValue returns the value a map literal gives key: m must be
// written only by its literal's constant keys and be read by nothing but
// the one call it is handed to.
func mapLiteralValue(m *ssa.MakeMap, key string) ssa.Value {
	var found ssa.Value
	handed := 0
	for _, ref := range Referrers(m) {
		switch ref := ref.(type) {
		case *ssa.MapUpdate:
			k, ok := constString(ref.Key)
			if !ok || ref.Block() != m.Block() {
				return nil
			}
			if k == key {
				found = ref.Value
			}
		case *ssa.MakeInterface:
			handed++
		case *ssa.DebugRef:
		default:
			return nil
		}
	}
	if handed != 1 {
		return nil
	}
	return found
}

// embeddedExecutor reports whether field i of the struct t (or *t) is an
// embedded field by which t, a library's type, extends another library's
// (sqlx.Tx embeds the *sql.Tx whose Exec and Commit it inherits; sqlx.Stmt
// and sqlx.Rows their database/sql counterparts).
func embeddedExecutor(t types.Type, i int) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	return ok && i < st.NumFields() && st.Field(i).Embedded() && apis.Extends(t, st.Field(i).Type())
}

// IsZeroConst reports whether v is the constant 0, "" or nil.
func IsZeroConst(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	if !ok {
		return false
	}
	if k.Value == nil {
		return k.IsNil()
	}
	return k.Value.Kind() != constant.Bool && isZero(k.Value)
}

func constString(v ssa.Value) (string, bool) {
	k, ok := v.(*ssa.Const)
	if !ok || k.Value == nil || k.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(k.Value), true
}

func run(pass *analysis.Pass) (any, error) {
	c := &Catalog{info: pass.TypesInfo, Relevant: pass.ResultOf[apis.Analyzer].(*apis.Uses).Database}
	// Models often live in packages that import no database library.
	exportTables(pass)
	if !c.Relevant {
		return c, nil
	}
	c.naming = exportNaming(pass)
	c.facts = make(map[*types.Func]*QueryFact)
	c.tables = make(map[*types.Func]string)
	c.forwards = make(map[*types.Func]*ForwardFact)
	for _, of := range pass.AllObjectFacts() {
		fn, ok := of.Object.(*types.Func)
		if !ok {
			continue
		}
		switch f := of.Fact.(type) {
		case *QueryFact:
			c.facts[fn] = f
		case *TableFact:
			c.tables[fn] = f.Table
		case *ForwardFact:
			c.forwards[fn] = f
		}
	}
	var generated, others []*ast.FuncDecl
	for _, f := range pass.Files {
		gen := ast.IsGenerated(f)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if gen {
				generated = append(generated, fd)
			} else {
				others = append(others, fd)
			}
		}
	}
	for _, fd := range generated {
		if f := c.generatedQuery(pass, fd); f != nil {
			c.export(pass, fd, f)
		}
	}
	c.findForwarders(pass, others)
	c.fieldStmts = c.findFieldStmts(pass)
	// Wrappers of wrappers in the same package: repeat until nothing new.
	done := map[*ast.FuncDecl]bool{}
	fixpoint.Iterate(3, func() bool {
		found := c.interfaceCalls(pass)
		for _, fd := range append(others, generated...) {
			if done[fd] {
				continue
			}
			if obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok && c.fact(obj) != nil {
				done[fd] = true
				continue
			}
			if f := c.wrapper(fd); f != nil {
				c.export(pass, fd, f)
				done[fd] = true
				found = true
			}
		}
		return found
	})
	c.queries = make(map[string][]query)
	for fn, f := range c.facts {
		if f.Query == fn.Name() && !isInterfaceMethod(fn) {
			c.queries[f.Pkg] = append(c.queries[f.Pkg], query{name: fn.Name(), stmt: f.Stmt, fn: fn, fact: f})
		}
	}
	for _, qs := range c.queries {
		slices.SortFunc(qs, func(a, b query) int { return strings.Compare(a.name, b.name) })
	}
	return c, nil
}

func (c *Catalog) export(pass *analysis.Pass, fd *ast.FuncDecl, f *QueryFact) {
	if obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
		pass.ExportObjectFact(obj, f)
		c.facts[obj] = f
	}
}

// params lists the names of fd's parameters, receiver excluded, in order.
func params(info *types.Info, fd *ast.FuncDecl) []types.Object {
	var out []types.Object
	for _, field := range fd.Type.Params.List {
		if len(field.Names) == 0 {
			out = append(out, nil)
		}
		for _, n := range field.Names {
			out = append(out, info.Defs[n])
		}
	}
	return out
}

func receiver(info *types.Info, fd *ast.FuncDecl) types.Object {
	if fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return nil
	}
	return info.Defs[fd.Recv.List[0].Names[0]]
}

// generatedQuery recognises a sqlc query method: it passes a package-level
// constant starting with "-- name: " to a call, followed by the parameters.
func (c *Catalog) generatedQuery(pass *analysis.Pass, fd *ast.FuncDecl) *QueryFact {
	info := pass.TypesInfo
	var run *ast.CallExpr
	sqlAt := -1
	var sql string
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || run != nil {
			return run == nil
		}
		for i, a := range call.Args {
			id, ok := a.(*ast.Ident)
			if !ok {
				continue
			}
			k, ok := info.Uses[id].(*types.Const)
			if !ok || k.Parent() != pass.Pkg.Scope() || k.Val().Kind() != constant.String {
				continue
			}
			if s := constant.StringVal(k.Val()); strings.HasPrefix(strings.TrimSpace(s), "-- name:") {
				run, sqlAt, sql = call, i, s
				return false
			}
		}
		return true
	})
	if run == nil {
		return c.generatedCopy(pass, fd)
	}
	stmt := Classify(sql)
	f := &QueryFact{Stmt: stmt, Query: fd.Name.Name, Exec: ExecUnknown, Pkg: pass.Pkg.Path()}
	ps := params(info, fd)
	recv := receiver(info, fd)
	// The connection is the receiver of the call (q.db.QueryRow,
	// db.QueryRow) or, for sqlc's prepared-statement helpers
	// (q.queryRow(ctx, q.stmt, sql, ...)), the enclosing method's receiver.
	if sel, ok := ast.Unparen(run.Fun).(*ast.SelectorExpr); ok {
		f.Exec = execParam(info, sel.X, ps, recv)
	}
	for _, a := range run.Args[sqlAt+1:] {
		f.Args = append(f.Args, argRef(info, a, ps))
	}
	f.Result = scanFields(fd.Body)
	f.Many = firstResultIsSlice(info, fd)
	return f
}

// argRef maps an argument expression to the parameter (or parameter field)
// it passes, looking through single-argument conversions and calls such as
// pq.Array(x).
func argRef(info *types.Info, e ast.Expr, ps []types.Object) ArgRef {
	e = ast.Unparen(e)
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			break
		}
		e = ast.Unparen(call.Args[0])
	}
	field := ""
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if s, ok := info.Selections[sel]; ok && s.Kind() == types.FieldVal && len(s.Index()) == 1 {
			field = sel.Sel.Name
			e = ast.Unparen(sel.X)
		}
	}
	if id, ok := e.(*ast.Ident); ok {
		obj := info.Uses[id]
		for i, p := range ps {
			if p != nil && p == obj {
				return ArgRef{Param: i, Field: field}
			}
		}
	}
	return ArgRef{Param: NoParam}
}

// scanFields returns the destinations of the first Scan call: &i.Field
// gives "Field", &x gives "".
func scanFields(body *ast.BlockStmt) []string {
	var out []string
	for _, a := range scanArgs(body) {
		u, ok := ast.Unparen(a).(*ast.UnaryExpr)
		if !ok || u.Op != token.AND {
			out = append(out, "?")
			continue
		}
		if s, ok := ast.Unparen(u.X).(*ast.SelectorExpr); ok {
			out = append(out, s.Sel.Name)
		} else {
			out = append(out, "")
		}
	}
	return out
}

func firstResultIsSlice(info *types.Info, fd *ast.FuncDecl) bool {
	obj, ok := info.Defs[fd.Name].(*types.Func)
	if !ok {
		return false
	}
	res := obj.Type().(*types.Signature).Results()
	if res.Len() == 0 {
		return false
	}
	_, ok = res.At(0).Type().Underlying().(*types.Slice)
	return ok
}

// wrapper recognises a function whose body runs exactly one statement (a
// call with a QueryFact or literal SQL) and returns its result unchanged or
// returns nothing but an error, so callers can be understood as calls of
// that statement.
func (c *Catalog) wrapper(fd *ast.FuncDecl) *QueryFact {
	info := c.info
	obj, ok := info.Defs[fd.Name].(*types.Func)
	if !ok {
		return nil
	}
	var inner *ast.CallExpr
	var innerFact *QueryFact
	var literal *apis.Query // the library query of an inner literal SQL call
	count := 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			fn, ok := typeutil.Callee(info, n).(*types.Func)
			if !ok {
				return true
			}
			switch f, q := c.fact(fn), apis.QueryOf(fn); {
			case f != nil:
				inner, innerFact, literal = n, f, nil
				count++
			case q != nil:
				inner, innerFact, literal = n, c.literalFact(n, fn, q), q
				count++
			case c.runsOther(fn):
				count++
			}
		}
		return true
	})
	if count != 1 || innerFact == nil {
		return nil
	}
	innerFn := typeutil.Callee(info, inner).(*types.Func)
	innerSig := innerFn.Type().(*types.Signature)
	sig := obj.Type().(*types.Signature)
	f := &QueryFact{Stmt: innerFact.Stmt, Query: innerFact.Query, Exec: ExecUnknown, Many: innerFact.Many, One: innerFact.One, ScanOnly: innerFact.ScanOnly, Pkg: innerFact.Pkg}
	ps := params(info, fd)
	recv := receiver(info, fd)
	// The inner call's arguments, receiver excluded, as the inner fact
	// indexes them.
	innerArgs := inner.Args
	switch {
	case innerFact.Exec >= 0 && innerFact.Exec < len(innerArgs):
		f.Exec = execParam(info, innerArgs[innerFact.Exec], ps, recv)
	case innerFact.Exec == ExecReceiver:
		if sel, ok := ast.Unparen(inner.Fun).(*ast.SelectorExpr); ok {
			f.Exec = execParam(info, sel.X, ps, recv)
		}
	}
	if f.Exec >= 0 && reassigned(info, fd.Body, ps[f.Exec]) {
		f.Exec = ExecUnknown
	}
	for _, r := range innerFact.Args {
		if r.Param < 0 || r.Param >= len(innerArgs) {
			f.Args = append(f.Args, ArgRef{Param: NoParam})
			continue
		}
		arg := innerArgs[r.Param]
		if r.Field != "" {
			if v := fieldValue(arg, r.Field); v != nil {
				f.Args = append(f.Args, argRef(info, v, ps))
				continue
			}
		}
		a := argRef(info, arg, ps)
		if a.Param >= 0 && r.Field != "" {
			if a.Field != "" {
				a = ArgRef{Param: NoParam}
			} else {
				a.Field = r.Field
			}
		}
		f.Args = append(f.Args, a)
	}
	// Results: the fields a literal read scans into, or the query's when
	// the wrapper returns its first result type unchanged, or nothing but
	// an error.
	switch {
	case literal != nil:
		f.Result = scannedResult(info, fd, inner, literal)
	case sig.Results().Len() >= 1 && innerSig.Results().Len() >= 1 &&
		types.Identical(sig.Results().At(0).Type(), innerSig.Results().At(0).Type()) &&
		!isError(sig.Results().At(0).Type()):
		f.Result = innerFact.Result
	case sig.Results().Len() == 0 || (sig.Results().Len() == 1 && isError(sig.Results().At(0).Type())):
	default:
		f.Result = nil
		f.Many = false
	}
	return f
}

// runsOther reports whether a call of fn runs SQL that no wrapper stands
// for: a forwarder, a prepared statement, an ORM's finishing method, a
// batch or a copy. A function calling one runs more than its one
// statement, or a statement of its own kind.
func (c *Catalog) runsOther(fn *types.Func) bool {
	if c.forwards[fn.Origin()] != nil || apis.BatchSend(fn) != nil || apis.CopyOf(fn) != nil {
		return true
	}
	if run := apis.StmtRunOf(fn); run != nil {
		return true
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	if orm := apis.ORMOf(recv.Type()); orm != nil {
		_, finishes := orm.Runs[fn.Name()]
		return finishes
	}
	return false
}

// literalFact describes a library call with constant SQL as a wrapper
// would see a query, so a function running it and no other statement
// stands for it at its callers (a repository's GetUser and SetName, a
// helper locking a row in the transaction it is given). A function running
// two statements stands for neither: its reads and writes are judged where
// they are. SQL of unknown kind stands for nothing. Its arguments are the
// ones after the SQL.
// q is fn's query row.
func (c *Catalog) literalFact(call *ast.CallExpr, fn *types.Func, q *apis.Query) *QueryFact {
	if q.Named || q.SQLArg >= len(call.Args) || call.Ellipsis.IsValid() {
		return nil
	}
	st := c.sqlExpr(call.Args[q.SQLArg])
	if st == nil || st.Kind == Unknown && !st.SetsTransaction() {
		return nil // nothing a caller could judge (a PRAGMA, DDL)
	}
	f := &QueryFact{Stmt: st, Query: fn.Name(), Exec: ExecReceiver, One: q.One, ScanOnly: true}
	for i := range call.Args[q.SQLArg+1:] {
		f.Args = append(f.Args, ArgRef{Param: q.SQLArg + 1 + i})
	}
	return f
}

// scannedResult returns the fields of fd's first result that the literal
// read call fills ("" for the result itself): the destinations of the
// row's Scan (&v.F, &v) or the call's own (sqlx's Get(&v, ...): all of
// v) that are the variable fd returns (v or &v, its other returns giving
// a zero value). Nil when fd returns no variable the read fills.
func scannedResult(info *types.Info, fd *ast.FuncDecl, call *ast.CallExpr, q *apis.Query) []string {
	v := returnedVar(info, fd)
	if v == nil {
		return nil
	}
	var dests []ast.Expr
	if q.Dest && q.SQLArg >= 1 && q.SQLArg <= len(call.Args) {
		dests = call.Args[q.SQLArg-1 : q.SQLArg]
	} else {
		dests = scanArgs(fd.Body)
	}
	var out []string
	for _, d := range dests {
		u, ok := ast.Unparen(d).(*ast.UnaryExpr)
		if !ok || u.Op != token.AND {
			continue
		}
		switch x := ast.Unparen(u.X).(type) {
		case *ast.Ident:
			if info.Uses[x] == v {
				out = append(out, "")
				if q.Dest {
					out = append(out, fieldNames(v.Type())...)
				}
			}
		case *ast.SelectorExpr:
			if isIdentOf(info, x.X, v) {
				out = append(out, x.Sel.Name)
			}
		}
	}
	return out
}

// returnedVar returns the local variable every return of fd gives as its
// first result (v or &v), other returns giving nil or a zero value
// (T{}, 0, ""), or nil.
func returnedVar(info *types.Info, fd *ast.FuncDecl) types.Object {
	var v types.Object
	ok := true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if len(n.Results) == 0 {
				ok = false
				return false
			}
			e := ast.Unparen(n.Results[0])
			if u, isAddr := e.(*ast.UnaryExpr); isAddr && u.Op == token.AND {
				e = ast.Unparen(u.X)
			}
			if lit, isLit := e.(*ast.CompositeLit); isLit && len(lit.Elts) == 0 || info.Types[e].IsNil() || info.Types[e].Value != nil {
				return false
			}
			id, isIdent := e.(*ast.Ident)
			obj, isVar := info.Uses[id].(*types.Var)
			switch {
			case !isIdent || !isVar || obj.Parent() == nil || obj.Parent() == obj.Pkg().Scope():
				ok = false
			case v == nil:
				v = obj
			case v != obj:
				ok = false
			}
		}
		return ok
	})
	if !ok {
		return nil
	}
	return v
}

// scanArgs returns the arguments of the first Scan call in body.
func scanArgs(body *ast.BlockStmt) []ast.Expr {
	var out []ast.Expr
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || out != nil {
			return out == nil
		}
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Scan" {
			out = call.Args
			return false
		}
		return true
	})
	return out
}

// fieldNames lists the fields of the struct t is or points to.
func fieldNames(t types.Type) []string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	var out []string
	for i := range st.NumFields() {
		out = append(out, st.Field(i).Name())
	}
	return out
}

// fieldValue returns the value given to field in a composite literal
// (T{Field: v} or &T{Field: v}), or nil.
func fieldValue(e ast.Expr, field string) ast.Expr {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == field {
				return kv.Value
			}
		}
	}
	return nil
}

// execParam reports where an executor expression (db, q.db, s.pool.db)
// comes from: a parameter's index, ExecReceiver for the receiver or a field
// of it, else ExecUnknown.
func execParam(info *types.Info, e ast.Expr, ps []types.Object, recv types.Object) int {
	e = ast.Unparen(e)
	for {
		s, ok := e.(*ast.SelectorExpr)
		if !ok {
			break
		}
		e = ast.Unparen(s.X)
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return ExecUnknown
	}
	obj := info.Uses[id]
	if obj != nil && obj == recv {
		return ExecReceiver
	}
	for i, p := range ps {
		if p != nil && p == obj {
			return i
		}
	}
	return ExecUnknown
}

// reassigned reports whether body assigns the parameter p anything but a
// pool or connection where it is nil (if db == nil { db = s.pool }): a
// caller passing nil then runs the statement on no transaction, as its nil
// says, and one passing a handle runs it on that handle.
func reassigned(info *types.Info, body *ast.BlockStmt, p types.Object) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			if poolWhenNil(info, n, p) {
				return false
			}
		case *ast.AssignStmt:
			found = found || slices.ContainsFunc(n.Lhs, func(e ast.Expr) bool { return isIdentOf(info, e, p) })
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && isIdentOf(info, n.X, p)
		}
		return !found
	})
	return found
}

// poolWhenNil reports whether s is if p == nil { p = x }, x a pool or a
// connection outside a transaction.
func poolWhenNil(info *types.Info, s *ast.IfStmt, p types.Object) bool {
	cond, ok := ast.Unparen(s.Cond).(*ast.BinaryExpr)
	if !ok || cond.Op != token.EQL || !isIdentOf(info, cond.X, p) || !info.Types[cond.Y].IsNil() || s.Init != nil || s.Else != nil || len(s.Body.List) != 1 {
		return false
	}
	as, ok := s.Body.List[0].(*ast.AssignStmt)
	return ok && as.Tok == token.ASSIGN && len(as.Lhs) == 1 && len(as.Rhs) == 1 && isIdentOf(info, as.Lhs[0], p) && apis.IsHandle(info.TypeOf(as.Rhs[0]))
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
