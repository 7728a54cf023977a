package catalog

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
)

// An ORM chain (GORM's tx.Model(&u).Where("id = ?", id).Update("n", v))
// has no SQL string: the statement is modelled here as the SQL the ORM
// sends to PostgreSQL, with its parameters bound to the Go values of the
// chain, and classified like any other SQL. A chain the model does not
// understand (a method outside apis.ORM.Chain, a model or table not known
// statically, a column name or condition that is not a constant) runs no
// known statement: the checks stay silent on it.

// TableFact names the table a model type's TableName method returns, so
// models defined in another package are named as the ORM names them.
type TableFact struct{ Table string }

// AFact marks TableFact as an analysis fact.
func (*TableFact) AFact() {}

func (f *TableFact) String() string { return "table " + f.Table }

// exportTables exports a TableFact on each method of the package named as
// an ORM's table method whose body returns a constant.
func exportTables(pass *analysis.Pass) {
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || len(fd.Body.List) != 1 || !isTableMethod(fd.Name.Name) {
				continue
			}
			ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 1 {
				continue
			}
			tv := pass.TypesInfo.Types[ret.Results[0]]
			obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if ok && tv.Value != nil && tv.Value.Kind() == constant.String {
				pass.ExportObjectFact(obj, &TableFact{Table: constant.StringVal(tv.Value)})
			}
		}
	}
}

func isTableMethod(name string) bool {
	for _, l := range apis.Libraries {
		if l.ORM != nil && l.ORM.TableMethod == name {
			return true
		}
	}
	return false
}

// NamingFact is attached to a package that opens an ORM handle: how its
// open calls configure the naming of tables.
type NamingFact struct {
	Prefix   string // prepended to every table name
	Singular bool   // table names are not pluralised
	// Unknown is set for a naming txvet cannot read (a strategy of another
	// type, other options, a configuration not written at the call), or
	// open calls that disagree.
	Unknown bool
}

// AFact marks NamingFact as an analysis fact.
func (*NamingFact) AFact() {}

func (f *NamingFact) String() string {
	if f.Unknown {
		return "naming unknown"
	}
	return fmt.Sprintf("naming prefix %q singular %v", f.Prefix, f.Singular)
}

// exportNaming exports the NamingFact of a package that opens an ORM
// handle (gorm.Open(dialector, &gorm.Config{NamingStrategy:
// schema.NamingStrategy{TablePrefix: "t_", SingularTable: true}})) and
// returns the naming of the program: the package's and its imports', the
// default when none opens a handle, unknown when they disagree.
func exportNaming(pass *analysis.Pass) NamingFact {
	var found []NamingFact
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, _ := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
			if orm := openedBy(fn); orm != nil && len(call.Args) > 0 {
				found = append(found, namingOf(pass.TypesInfo, orm, call.Args[1:]))
			}
			return true
		})
	}
	if len(found) > 0 {
		own := mergeNaming(found)
		pass.ExportPackageFact(&own)
	}
	for _, pf := range pass.AllPackageFacts() {
		if f, ok := pf.Fact.(*NamingFact); ok {
			found = append(found, *f)
		}
	}
	return mergeNaming(found)
}

func mergeNaming(list []NamingFact) NamingFact {
	var out NamingFact
	for i, f := range list {
		if i > 0 && f != list[0] {
			return NamingFact{Unknown: true}
		}
		out = f
	}
	return out
}

// openedBy returns the ORM whose open function f is, or nil.
func openedBy(f *types.Func) *apis.ORM {
	if f == nil {
		return nil
	}
	for _, l := range apis.Libraries {
		if l.ORM != nil && l.ORM.Open != "" && apis.FuncName(f) == l.ORM.Open {
			return l.ORM
		}
	}
	return nil
}

// namingOf reads the naming an open call's options configure.
func namingOf(info *types.Info, orm *apis.ORM, opts []ast.Expr) NamingFact {
	var out NamingFact
	for _, opt := range opts {
		if apis.TypeName(info.TypeOf(opt)) != orm.Config {
			continue
		}
		lit, ok := compositeLit(opt)
		if !ok {
			return NamingFact{Unknown: true}
		}
		for _, kv := range keyValues(lit) {
			if kv.key != orm.NamingField {
				continue
			}
			ns, ok := compositeLit(kv.val)
			if !ok || apis.TypeName(info.TypeOf(ns)) != orm.Naming {
				return NamingFact{Unknown: true}
			}
			for _, f := range keyValues(ns) {
				tv := info.Types[f.val]
				switch {
				case f.key == orm.Prefix && tv.Value != nil && tv.Value.Kind() == constant.String:
					out.Prefix = constant.StringVal(tv.Value)
				case f.key == orm.Singular && tv.Value != nil && tv.Value.Kind() == constant.Bool:
					out.Singular = constant.BoolVal(tv.Value)
				default:
					return NamingFact{Unknown: true}
				}
			}
		}
	}
	return out
}

// compositeLit returns the composite literal e is, or takes the address
// of.
func compositeLit(e ast.Expr) (*ast.CompositeLit, bool) {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	return lit, ok
}

type keyValue struct {
	key string
	val ast.Expr
}

// keyValues lists the fields a struct literal sets by name.
func keyValues(lit *ast.CompositeLit) []keyValue {
	var out []keyValue
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				out = append(out, keyValue{id.Name, kv.Value})
			}
		}
	}
	return out
}

// ormStmt is the statement of one ORM chain being modelled.
type ormStmt struct {
	cat *Catalog
	orm *apis.ORM

	model    *types.Named // the model type (Model, else the finisher's value)
	modelVal ssa.Value    // the value given to Model, whose primary key is the row
	table    string       // from Table, else the model's
	where    []string     // conditions, with $n placeholders
	lock     string       // FOR UPDATE ..., from a locking clause
	conflict *onConflict  // from a conflict clause
	root     ssa.Value    // the pool or transaction the chain starts on

	// condModels are the types of model literals given as conditions: they
	// name columns of their own table.
	condModels []*types.Named
	// or is set once a condition is ORed in: no value compared then tells
	// which rows match. notParams are the $n of negated conditions.
	or        bool
	notParams map[int]bool
	// selects and omits are the column or field names given to Select and
	// Omit ("*" for all); selects is nil when none was given.
	selects, omits []string
	joins          bool   // other tables joined: only a read is modelled
	raw            string // Raw's SQL, with $n placeholders
	hasRaw         bool
	// assign is the one value given to Assign; assignOpaque is set when
	// Assign was given anything else.
	assign       ssa.Value
	assignOpaque bool
	// substs map the values a scope's body uses to the caller's: the
	// variables its closure captured, the parameters of the function that
	// made it.
	substs map[ssa.Value]ssa.Value
	depth  int // scopes applied within scopes

	args []ssa.Value
	refs []ArgRef
}

// onConflict is a conflict clause as its literal gives it.
type onConflict struct {
	doNothing bool
	target    string   // ("col", ...) or ON CONSTRAINT "name"; "" for none
	sets      []string // DO UPDATE SET assignments, with $n placeholders
	updateAll bool     // every inserted column is set from EXCLUDED
	// opaque is set for an update whose SET list or condition is not
	// read: an upsert with no parameter known to overwrite a column.
	opaque bool
}

// param binds the Go value v (field of it, when a struct) to the next $n.
func (m *ormStmt) param(v ssa.Value, field string) string {
	m.args = append(m.args, m.resolve(v))
	m.refs = append(m.refs, ArgRef{Param: len(m.args) - 1, Field: field})
	return "$" + strconv.Itoa(len(m.args))
}

// resolve maps a value of a scope's body to the caller's value it stands
// for: a captured variable to the one value stored into it, a parameter
// of the function that made the closure to the argument of that call.
func (m *ormStmt) resolve(v ssa.Value) ssa.Value {
	for range 8 {
		if load, ok := v.(*ssa.UnOp); ok && load.Op == token.MUL {
			if b, ok := m.substs[load.X]; ok {
				if val := storedOnce(b); val != nil {
					v = val
					continue
				}
			}
		}
		s, ok := m.substs[v]
		if !ok {
			break
		}
		v = s
	}
	return v
}

// storedOnce returns the only value stored into the variable a, or nil.
func storedOnce(a ssa.Value) ssa.Value {
	var val ssa.Value
	for _, ref := range Referrers(a) {
		if st, ok := ref.(*ssa.Store); ok && st.Addr == a {
			if val != nil {
				return nil
			}
			val = st.Val
		}
	}
	return val
}

// fragment turns SQL written with ? placeholders, or @name ones, into $n
// ones bound to the values in the variadic argument, the last of args,
// from its element skip on; ok is false when the SQL is not a constant or
// its placeholders do not match the values.
func (m *ormStmt) fragment(sql ssa.Value, args []ssa.Value, skip int) (string, bool) {
	s, ok := constString(Underlying(sql))
	if !ok {
		return "", false
	}
	if strings.Contains(s, "@") {
		return m.named(s, args, skip)
	}
	n := 0
	var b strings.Builder
	for _, r := range s {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		b.WriteString(m.param(Underlying(VariadicArg(args, skip+n)), ""))
		n++
	}
	return b.String(), skip+n == variadicLen(args)
}

// named binds @name placeholders as the ORM does (gorm's NamedExpr): to
// Named("name", v) arguments, the constant keys of a map literal, or the
// fields of a struct. A name none of them binds is not modelled.
func (m *ormStmt) named(s string, args []ssa.Value, skip int) (string, bool) {
	type binding struct {
		v     ssa.Value
		field string
	}
	names := make(map[string]binding)
	n := variadicLen(args)
	if n < 0 {
		return "", false
	}
	for i := skip; i < n; i++ {
		v := Underlying(VariadicArg(args, i))
		if call, ok := v.(*ssa.Call); ok {
			if f := Callee(call.Common()); f != nil && apis.FuncName(f) == m.orm.Named && len(call.Common().Args) == 2 {
				name, ok := constString(call.Common().Args[0])
				if !ok {
					return "", false
				}
				names[name] = binding{v: Underlying(call.Common().Args[1])}
				continue
			}
		}
		if mm, ok := v.(*ssa.MakeMap); ok {
			keys, ok := mapLiteral(mm)
			if !ok {
				return "", false
			}
			for k, val := range keys {
				names[k] = binding{v: Underlying(val)}
			}
			continue
		}
		st, ok := derefType(v.Type()).Underlying().(*types.Struct)
		if !ok {
			return "", false
		}
		for j := range st.NumFields() {
			if f := st.Field(j); f.Exported() {
				names[f.Name()] = binding{v: valueOf(v), field: f.Name()}
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			return "", false
		}
		if s[i] != '@' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && !strings.ContainsRune(" ,)\"'`\r\n;", rune(s[j])) {
			j++
		}
		bd, ok := names[s[i+1:j]]
		if !ok || bd.v == nil {
			return "", false
		}
		b.WriteString(m.param(bd.v, bd.field))
		i = j - 1
	}
	return b.String(), true
}

// mapLiteral returns the values a map literal sets, by their constant
// keys; ok is false when a key is not a constant string.
func mapLiteral(mm *ssa.MakeMap) (map[string]ssa.Value, bool) {
	out := make(map[string]ssa.Value)
	for _, ref := range Referrers(mm) {
		up, ok := ref.(*ssa.MapUpdate)
		if !ok || up.Map != mm {
			continue
		}
		k, ok := constString(Underlying(up.Key))
		if !ok {
			return nil, false
		}
		out[k] = up.Value
	}
	return out, true
}

// ormCall models the statement a finishing method of an ORM chain runs, or
// returns nil.
func (c *Catalog) ormCall(common *ssa.CallCommon, fn *types.Func) *Call {
	sig := fn.Type().(*types.Signature)
	if common.IsInvoke() || sig.Recv() == nil || len(common.Args) == 0 {
		return nil
	}
	orm := apis.ORMOf(sig.Recv().Type())
	if orm == nil {
		return nil
	}
	op, ok := orm.Runs[fn.Name()]
	if !ok {
		return nil
	}
	m := &ormStmt{cat: c, orm: orm}
	if !m.chain(common.Args[0]) {
		return nil
	}
	args := common.Args[1:]
	var dest ssa.Value
	if op != apis.RunUpdate && op != apis.RunExec && len(args) > 0 {
		dest = valueOf(args[0])
	}
	var sql string
	var fills []string
	var read, hit *Call
	switch {
	case op == apis.RunExec:
		if m.hasRaw || m.model != nil || m.table != "" || len(m.where) > 0 || m.lock != "" || m.conflict != nil {
			return nil
		}
		if sql, ok = m.fragment(args[0], args, 0); !ok {
			return nil
		}
	case m.hasRaw:
		// Raw's SQL runs as given; the chain adds nothing to it.
		if !isRead(op) || op == apis.RunFirstOrCreate || op == apis.RunFirstOrInit || variadicLen(args[1:]) > 0 ||
			m.model != nil || m.table != "" || len(m.where) > 0 || m.lock != "" || m.selects != nil {
			return nil
		}
		sql = m.raw
	default:
		if m.model == nil && dest != nil && op != apis.RunScan && op != apis.RunCount {
			m.model = modelType(dest.Type())
		}
		if m.model == nil {
			return nil
		}
		for _, t := range m.condModels {
			if t != m.model {
				return nil // a condition on another model's table
			}
		}
		if m.table == "" {
			m.table = c.tableOf(orm, m.model)
		}
		cols := columns(orm, m.model)
		if m.table == "" || cols == nil || (m.joins && !isRead(op)) {
			return nil
		}
		if sql, ok = m.build(op, args, dest, cols); !ok {
			return nil
		}
		assigned, assignKnown := m.assigned(cols)
		if isRead(op) && (m.selects != nil && !slices.Contains(m.selects, "*") || len(assigned) > 0 || !assignKnown) {
			fills = []string{}
			for _, c := range cols {
				if m.selected(c) && assignKnown && !assigned[c.field] {
					fills = append(fills, c.field)
				}
			}
		}
		if op == apis.RunFirstOrCreate {
			read = &Call{Stmt: Classify(m.selectSQL(op)), Name: fn.Name(), Dest: dest, DestFields: fills}
			hit = m.hit(cols)
		}
	}
	st := Classify(sql)
	if st.Kind == Unknown {
		return nil
	}
	opaque := m.conflict != nil && m.conflict.opaque
	if op == apis.RunFirst || op == apis.RunFirstOrCreate || op == apis.RunFirstOrInit || op == apis.RunSave || opaque || m.or || len(m.notParams) > 0 {
		s := *st
		s.ReadFirst = op == apis.RunFirstOrCreate
		s.FillsMissing = op == apis.RunFirstOrInit
		// Save's insert of a value without a key has no conflict clause.
		s.SavesNew = op == apis.RunSave && m.conflict == nil && s.Kind == Update
		if op == apis.RunFirst {
			s.Cmd = ":one" // a miss is an error the client makes up
		}
		if opaque {
			s.Conflict = DoUpdate
		}
		m.loosen(&s)
		st = &s
	}
	many := op == apis.RunFind || op == apis.RunScan
	for _, part := range []*Call{read, hit} {
		if part != nil && part.Stmt.Kind != Unknown {
			s := *part.Stmt
			m.loosen(&s)
			part.Stmt = &s
			part.Exec, part.common, part.args, part.refs = Underlying(m.root), common, m.args, m.refs
		}
	}
	if read != nil && read.Stmt.Kind != Read {
		read = nil
	}
	return &Call{Stmt: st, Name: fn.Name(), Exec: Underlying(m.root), Dest: dest, DestFields: fills, Many: many, Read: read, Hit: hit, common: common, args: m.args, refs: m.refs}
}

// assigned returns the fields of the model Assign gives values, which
// FirstOrInit and FirstOrCreate set over those of the row they find: the
// fields a literal sets but to a constant zero (GORM skips zero ones), the
// columns of a map literal's keys. known is false when Assign was given
// something else.
func (m *ormStmt) assigned(cols []column) (fields map[string]bool, known bool) {
	if m.assignOpaque {
		return nil, false
	}
	if m.assign == nil {
		return nil, true
	}
	fields = make(map[string]bool)
	if mm, ok := m.assign.(*ssa.MakeMap); ok {
		vals, ok := mapLiteral(mm)
		if !ok {
			return nil, false
		}
		for _, c := range cols {
			if vals[c.name] != nil || vals[c.field] != nil {
				fields[c.field] = true
			}
		}
		return fields, true
	}
	lit, ok := literalFields(m.assign)
	if !ok || modelType(m.assign.Type()) != m.model {
		return nil, false
	}
	for name, v := range lit {
		if k, ok := v.(*ssa.Const); !ok || k.Value != nil && !isZero(k.Value) {
			fields[name] = true
		}
	}
	return fields, true
}

// hit models the update FirstOrCreate runs with Assign's values when its
// read finds the row: UPDATE of the columns assigned, of the row the
// conditions find. Nil without Assign, or when its values or the row are
// not known.
func (m *ormStmt) hit(cols []column) *Call {
	if m.assign == nil || m.assignOpaque || len(m.where) == 0 {
		return nil
	}
	sets, ok := m.values(m.assign, cols)
	if !ok || len(sets) == 0 {
		return nil
	}
	st := Classify("UPDATE " + quote(m.table) + " SET " + strings.Join(sets, ", ") + m.whereSQL())
	if st.Kind != Update {
		return nil
	}
	return &Call{Stmt: st, Name: "Assign"}
}

func isRead(op apis.RunOp) bool {
	switch op {
	case apis.RunFirst, apis.RunFind, apis.RunScan, apis.RunFirstOrCreate, apis.RunFirstOrInit:
		return true
	}
	return false
}

// loosen turns the comparisons that no longer tell which rows match (all
// of them once a condition is ORed in, the negated ones) into other uses
// of their values, and drops them from the statement's keys.
func (m *ormStmt) loosen(s *Statement) {
	if !m.or && len(m.notParams) == 0 {
		return
	}
	s.Uses = slices.Clone(s.Uses)
	for i, u := range s.Uses {
		if u.Role == Predicate && (m.or || m.notParams[u.Param]) {
			s.Uses[i].Role = Other
		}
	}
	s.Keys = slices.DeleteFunc(slices.Clone(s.Keys), func(k string) bool {
		return !slices.ContainsFunc(s.Uses, func(u Use) bool { return u.Role == Predicate && u.Column == k })
	})
}

// chain reads the chained calls below a finisher's receiver v, down to the
// handle they start on.
func (m *ormStmt) chain(v ssa.Value) bool {
	calls, root := chainCalls(v)
	m.root = root
	if _, merged := root.(*ssa.Phi); merged {
		return false // a chain built on several paths (q = q.Where(...) under an if)
	}
	return m.applyAll(calls)
}

// chainCalls returns the chained calls below v, the outermost first, and
// the value they start on.
func chainCalls(v ssa.Value) ([]*ssa.CallCommon, ssa.Value) {
	var calls []*ssa.CallCommon
	for {
		call, ok := v.(*ssa.Call)
		if !ok {
			break
		}
		common := call.Common()
		f := Callee(common)
		if f == nil || common.IsInvoke() || !apis.IsChained(f) || apis.BeginOf(f, len(common.Args)-1) != nil {
			break
		}
		calls = append(calls, common)
		v = common.Args[0]
	}
	return calls, v
}

// applyAll applies chained calls from the handle outwards: a later Model
// or Table wins.
func (m *ormStmt) applyAll(calls []*ssa.CallCommon) bool {
	for i := len(calls) - 1; i >= 0; i-- {
		common := calls[i]
		op, ok := m.orm.Chain[Callee(common).Name()]
		if !ok || !m.apply(op, common.Args[1:]) {
			return false
		}
	}
	return true
}

func (m *ormStmt) apply(op apis.ChainOp, args []ssa.Value) bool {
	switch op {
	case apis.ChainModel:
		m.modelVal = m.resolve(valueOf(args[0]))
		m.model = modelType(m.modelVal.Type())
		return m.model != nil
	case apis.ChainTable:
		name, ok := constString(args[0])
		m.table = name
		return ok && variadicLen(args) == 0 && !strings.ContainsAny(name, " ?")
	case apis.ChainWhere:
		cond, ok := m.condition(args)
		m.where = append(m.where, cond)
		return ok
	case apis.ChainNot:
		first := len(m.args)
		cond, ok := m.condition(args)
		m.where = append(m.where, "NOT "+cond)
		if m.notParams == nil {
			m.notParams = make(map[int]bool)
		}
		for n := first + 1; n <= len(m.args); n++ {
			m.notParams[n] = true
		}
		return ok
	case apis.ChainOr:
		cond, ok := m.condition(args)
		if len(m.where) > 0 {
			cond = "(" + strings.Join(m.where, " AND ") + " OR " + cond + ")"
		}
		m.where, m.or = []string{cond}, true
		return ok
	case apis.ChainSelect:
		vals := []ssa.Value{args[0]}
		for i := range variadicLen(args) {
			vals = append(vals, VariadicArg(args, i))
		}
		names, ok := columnNames(vals)
		m.selects = names
		return ok && variadicLen(args) >= 0
	case apis.ChainOmit:
		var vals []ssa.Value
		for i := range variadicLen(args) {
			vals = append(vals, VariadicArg(args, i))
		}
		names, ok := columnNames(vals)
		m.omits = append(m.omits, names...)
		return ok && variadicLen(args) >= 0
	case apis.ChainJoins:
		m.joins = true
		return true
	case apis.ChainScopes:
		n := variadicLen(args)
		for i := range n {
			if !m.scope(Underlying(VariadicArg(args, i))) {
				return false
			}
		}
		return n >= 0
	case apis.ChainRaw:
		sql, ok := m.fragment(args[0], args, 0)
		m.raw, m.hasRaw = sql, true
		return ok
	case apis.ChainClauses:
		for i := range variadicLen(args) {
			if !m.clause(valueOf(VariadicArg(args, i))) {
				return false
			}
		}
		return true
	case apis.ChainAssign:
		if variadicLen(args) == 1 && m.assign == nil {
			m.assign = m.resolve(valueOf(VariadicArg(args, 0)))
		} else {
			m.assignOpaque = true
		}
		return true
	case apis.ChainNeutral:
		return true
	}
	return false
}

// condition reads a condition as Where, Not and Or take it: SQL with its
// values, a model literal whose fields set to other than a constant zero
// are compared (&User{Email: e}), or a map literal of constant column
// names to values.
func (m *ormStmt) condition(args []ssa.Value) (string, bool) {
	q := Underlying(args[0])
	if _, ok := constString(q); ok {
		cond, ok := m.fragment(q, args, 0)
		return "(" + cond + ")", ok
	}
	if variadicLen(args) != 0 {
		return "", false // a literal with the fields to compare named
	}
	var conds []string
	if mm, ok := q.(*ssa.MakeMap); ok {
		vals, ok := mapLiteral(mm)
		if !ok {
			return "", false
		}
		keys := slices.Sorted(maps.Keys(vals))
		for _, k := range keys {
			if !isIdent(k) {
				return "", false
			}
			conds = append(conds, quote(k)+" = "+m.param(Underlying(vals[k]), ""))
		}
	} else {
		var ok bool
		if conds, ok = m.literalConds(m.resolve(valueOf(q))); !ok {
			return "", false
		}
	}
	if len(conds) == 0 {
		return "", false
	}
	return "(" + strings.Join(conds, " AND ") + ")", true
}

// columnNames reads Select's and Omit's names: constant strings, or
// slice literals of them, split at commas; each a name or "*".
func columnNames(vals []ssa.Value) ([]string, bool) {
	names := []string{}
	for _, v := range vals {
		v = Underlying(v)
		var strs []string
		if s, ok := constString(v); ok {
			strs = []string{s}
		} else {
			elems, ok := sliceElems(v)
			if !ok {
				return nil, false
			}
			for _, e := range elems {
				s, ok := constString(Underlying(storedOnce(e)))
				if !ok {
					return nil, false
				}
				strs = append(strs, s)
			}
		}
		for _, s := range strs {
			for _, name := range strings.Split(s, ",") {
				name = strings.TrimSpace(name)
				if name != "*" && !isIdent(name) {
					return nil, false
				}
				names = append(names, name)
			}
		}
	}
	return names, true
}

// sliceElems returns the addresses of the elements of a slice literal, in
// order; ok is false for any other slice.
func sliceElems(v ssa.Value) ([]ssa.Value, bool) {
	sl, ok := v.(*ssa.Slice)
	if !ok {
		return nil, false
	}
	a, ok := sl.X.(*ssa.Alloc)
	if !ok {
		return nil, false
	}
	arr, ok := derefType(a.Type()).(*types.Array)
	if !ok {
		return nil, false
	}
	elems := make([]ssa.Value, arr.Len())
	for _, ref := range Referrers(a) {
		ia, ok := ref.(*ssa.IndexAddr)
		if !ok {
			continue
		}
		k, ok := ia.Index.(*ssa.Const)
		if !ok {
			return nil, false
		}
		if i := k.Int64(); i >= 0 && i < int64(len(elems)) {
			elems[i] = ia
		}
	}
	for _, e := range elems {
		if e == nil {
			return nil, false
		}
	}
	return elems, true
}

// selected reports whether a write sets, or a read fills, column c given
// the names given to Select and Omit.
func (m *ormStmt) selected(c column) bool {
	names := func(list []string, star bool) bool {
		return slices.ContainsFunc(list, func(n string) bool { return (star && n == "*") || n == c.name || n == c.field })
	}
	return (m.selects == nil || names(m.selects, true)) && !names(m.omits, false)
}

// scope applies a scope (func(*gorm.DB) *gorm.DB) given to Scopes: a
// function, a closure, or the closure a function call returns, whose body
// returns a chain on its parameter.
func (m *ormStmt) scope(v ssa.Value) bool {
	if m.depth > 4 {
		return false
	}
	fn := m.scopeFunc(v, 0)
	if fn == nil || len(fn.Params) != 1 || fn.Blocks == nil {
		return false
	}
	ret := onlyResult(fn)
	if ret == nil {
		return false
	}
	calls, root := chainCalls(ret)
	if root != fn.Params[0] {
		return false
	}
	m.depth++
	defer func() { m.depth-- }()
	return m.applyAll(calls)
}

// onlyResult returns the one result of fn's one return statement, or nil.
func onlyResult(fn *ssa.Function) ssa.Value {
	var ret ssa.Value
	for _, b := range fn.Blocks {
		if r, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			if ret != nil || len(r.Results) != 1 {
				return nil
			}
			ret = r.Results[0]
		}
	}
	return ret
}

// scopeFunc returns the function a scope value runs, recording in substs
// what its captured variables and its maker's parameters stand for.
func (m *ormStmt) scopeFunc(v ssa.Value, depth int) *ssa.Function {
	if m.substs == nil {
		m.substs = make(map[ssa.Value]ssa.Value)
	}
	switch v := v.(type) {
	case *ssa.Function:
		return v
	case *ssa.MakeClosure:
		fn, ok := v.Fn.(*ssa.Function)
		if !ok || len(fn.FreeVars) != len(v.Bindings) {
			return nil
		}
		for i, fv := range fn.FreeVars {
			m.substs[fv] = v.Bindings[i]
		}
		return fn
	case *ssa.Call:
		maker := v.Common().StaticCallee()
		if depth > 2 || maker == nil || maker.Blocks == nil || len(maker.Params) != len(v.Common().Args) {
			return nil
		}
		made := onlyResult(maker)
		if made == nil {
			return nil
		}
		for i, p := range maker.Params {
			m.substs[p] = v.Common().Args[i]
		}
		return m.scopeFunc(made, depth+1)
	}
	return nil
}

// clause reads a locking clause (Strength "UPDATE", Options "NOWAIT") or a
// conflict clause given as a literal.
func (m *ormStmt) clause(v ssa.Value) bool {
	if v == nil {
		return false
	}
	fields, ok := literalFields(v)
	if !ok {
		return false
	}
	switch apis.TypeName(v.Type()) {
	case m.orm.Locking:
		strength, ok := constField(fields, "Strength")
		if !ok {
			return false
		}
		m.lock = "FOR " + strength
		if fields["Options"] != nil {
			opts, ok := constField(fields, "Options")
			if !ok {
				return false
			}
			m.lock += " " + opts
		}
		return !strings.ContainsAny(m.lock, ";?")
	case m.orm.OnConflict:
		return m.onConflict(fields)
	}
	return false
}

// onConflict reads a conflict clause: DoNothing, or DO UPDATE of the
// columns AssignmentColumns names (from EXCLUDED), of the values
// Assignments gives, or of every inserted column (UpdateAll), on the
// conflict target Columns or OnConstraint names.
func (m *ormStmt) onConflict(fields map[string]ssa.Value) bool {
	oc := &onConflict{}
	m.conflict = oc
	if isTrue(fields["DoNothing"]) {
		oc.doNothing = true
		return true
	}
	oc.updateAll = isTrue(fields["UpdateAll"])
	if !oc.updateAll && fields["DoUpdates"] == nil {
		return false
	}
	if v := fields["Columns"]; v != nil {
		names, ok := m.conflictColumns(Underlying(v))
		oc.target = "(" + strings.Join(names, ", ") + ")"
		oc.opaque = oc.opaque || !ok
	}
	if v := fields["OnConstraint"]; v != nil {
		name, ok := constString(Underlying(v))
		oc.target = "ON CONSTRAINT " + quote(name)
		oc.opaque = oc.opaque || !ok
	}
	if v := fields["DoUpdates"]; v != nil {
		sets, ok := m.assignments(Underlying(v))
		oc.sets = sets
		oc.opaque = oc.opaque || !ok
	}
	// A condition on the update (DO UPDATE ... WHERE) may be a
	// compare-and-set: not read.
	oc.opaque = oc.opaque || fields["Where"] != nil
	return true
}

// conflictColumns reads a slice literal of columns ([]clause.Column{{Name:
// "email"}}) as quoted names.
func (m *ormStmt) conflictColumns(v ssa.Value) ([]string, bool) {
	elems, ok := sliceElems(v)
	if !ok || len(elems) == 0 {
		return nil, false
	}
	var names []string
	for _, e := range elems {
		st, ok := derefType(e.Type()).Underlying().(*types.Struct)
		if !ok {
			return nil, false
		}
		fields := storedFields(e, st)
		if val := storedOnce(e); val != nil {
			// The element stored whole, from a literal of its own.
			if fields, ok = literalFields(valueOf(val)); !ok {
				return nil, false
			}
		}
		name, ok := constField(fields, "Name")
		if !ok || !isIdent(name) {
			return nil, false
		}
		names = append(names, quote(name))
	}
	return names, true
}

// assignments reads a DO UPDATE SET list made by AssignmentColumns or
// Assignments from a literal.
func (m *ormStmt) assignments(v ssa.Value) ([]string, bool) {
	call, ok := v.(*ssa.Call)
	if !ok || len(call.Common().Args) != 1 {
		return nil, false
	}
	f := Callee(call.Common())
	if f == nil {
		return nil, false
	}
	arg := Underlying(call.Common().Args[0])
	var sets []string
	switch apis.FuncName(f) {
	case m.orm.AssignColumns:
		names, ok := columnNames([]ssa.Value{arg})
		if !ok || slices.Contains(names, "*") {
			return nil, false
		}
		for _, n := range names {
			sets = append(sets, quote(n)+" = EXCLUDED."+quote(n))
		}
	case m.orm.Assignments:
		mm, ok := arg.(*ssa.MakeMap)
		if !ok {
			return nil, false
		}
		vals, ok := mapLiteral(mm)
		if !ok {
			return nil, false
		}
		for _, k := range slices.Sorted(maps.Keys(vals)) {
			set, ok := m.value(k, vals[k])
			if !ok || !isIdent(k) {
				return nil, false
			}
			sets = append(sets, set)
		}
	default:
		return nil, false
	}
	return sets, len(sets) > 0
}

// conflictSQL writes the conflict clause of an insert of the columns
// inserted; ok is false for an update with no conflict target, which
// PostgreSQL refuses.
func (m *ormStmt) conflictSQL(cols, inserted []column) (string, bool) {
	oc := m.conflict
	switch {
	case oc == nil:
		return "", true
	case oc.doNothing || oc.opaque:
		return " ON CONFLICT DO NOTHING", true
	}
	target, sets := oc.target, oc.sets
	if oc.updateAll {
		for _, c := range inserted {
			if !c.key && !c.auto {
				sets = append(sets, quote(c.name)+" = EXCLUDED."+quote(c.name))
			}
		}
		if target == "" {
			target = "(" + quote(primaryKey(cols).name) + ")"
		}
	}
	if len(sets) == 0 {
		return " ON CONFLICT " + target + " DO NOTHING", true
	}
	return " ON CONFLICT " + target + " DO UPDATE SET " + strings.Join(sets, ", "), target != ""
}

// insert writes an INSERT of the columns of v a write sets: the key too
// for a save of rows that have one, a key the database does not generate,
// or one a literal sets.
func (m *ormStmt) insert(v ssa.Value, cols []column, withKey bool) (string, bool) {
	fields, _ := literalFields(v)
	var names, vals []string
	var inserted []column
	for _, c := range cols {
		key := c.key && (withKey || !c.generated || fields[c.field] != nil)
		if (c.writable || key) && m.selected(c) {
			names = append(names, quote(c.name))
			vals = append(vals, m.param(v, c.field))
			inserted = append(inserted, c)
		}
	}
	conflict, ok := m.conflictSQL(cols, inserted)
	return "INSERT INTO " + quote(m.table) + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")" + conflict, ok && len(names) > 0
}

// build writes the statement's SQL.
func (m *ormStmt) build(op apis.RunOp, args []ssa.Value, dest ssa.Value, cols []column) (string, bool) {
	table := quote(m.table)
	switch op {
	case apis.RunFirst, apis.RunFind, apis.RunScan, apis.RunFirstOrCreate, apis.RunFirstOrInit:
		if op != apis.RunScan && !m.inline(args, cols) {
			return "", false
		}
		if op == apis.RunFirstOrCreate {
			// The insert that follows a miss: the conditions' values and
			// the destination's fields. Its read is Call.Read.
			return m.insert(dest, cols, false)
		}
		return m.selectSQL(op), true
	case apis.RunCount:
		if m.lock != "" {
			return "", false
		}
		return "SELECT count(*) FROM " + table + m.whereSQL(), true
	case apis.RunCreate:
		return m.insert(dest, cols, false)
	case apis.RunSave:
		if isSlice(dest) {
			// Rows saved at once are upserted: every column is written
			// over the row of the same key.
			if m.conflict == nil {
				m.conflict = &onConflict{updateAll: true}
			}
			return m.insert(dest, cols, true)
		}
		var sets []string
		for _, c := range cols {
			if c.writable && !c.auto && m.selected(c) {
				sets = append(sets, quote(c.name)+" = "+m.param(dest, c.field))
			}
		}
		if !m.byKey(dest, cols) || len(sets) == 0 {
			return "", false
		}
		return "UPDATE " + table + " SET " + strings.Join(sets, ", ") + m.whereSQL(), true
	case apis.RunUpdate:
		name, ok := constString(args[0])
		if !ok || !isIdent(name) || slices.Contains(m.omits, name) {
			return "", false
		}
		set, ok := m.value(name, args[1])
		if !ok || !m.byKey(m.modelVal, cols) {
			return "", false
		}
		return "UPDATE " + table + " SET " + set + m.whereSQL(), true
	case apis.RunUpdates:
		sets, ok := m.values(dest, cols)
		if !ok || len(sets) == 0 {
			return "", false
		}
		key := m.modelVal
		if key == nil {
			key = dest
		}
		if !m.byKey(key, cols) {
			return "", false
		}
		return "UPDATE " + table + " SET " + strings.Join(sets, ", ") + m.whereSQL(), true
	case apis.RunDelete:
		if !m.inline(args, cols) || !m.byKey(dest, cols) {
			return "", false
		}
		return "DELETE FROM " + table + m.whereSQL(), true
	}
	return "", false
}

// selectSQL writes the SELECT a reading finisher runs.
func (m *ormStmt) selectSQL(op apis.RunOp) string {
	sql := "SELECT * FROM " + quote(m.table) + m.whereSQL()
	if op != apis.RunFind && op != apis.RunScan {
		sql += " LIMIT 1"
	}
	if m.lock != "" {
		sql += " " + m.lock
	}
	return sql
}

func isSlice(v ssa.Value) bool {
	if v == nil {
		return false
	}
	_, ok := derefType(v.Type()).Underlying().(*types.Slice)
	return ok
}

func (m *ormStmt) whereSQL() string {
	if len(m.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(m.where, " AND ")
}

// inline reads a finisher's inline conditions (First(&u, id),
// Find(&us, "status = ?", s)): SQL with its values, a model literal, or
// one primary key value.
func (m *ormStmt) inline(args []ssa.Value, cols []column) bool {
	n := variadicLen(args)
	if n == 0 {
		return true
	}
	first := Underlying(VariadicArg(args, 0))
	if first == nil {
		return false
	}
	if _, ok := constString(first); ok {
		cond, ok := m.fragment(first, args, 1)
		m.where = append(m.where, "("+cond+")")
		return ok
	}
	if n == 1 {
		if conds, ok := m.literalConds(valueOf(first)); ok && len(conds) > 0 {
			m.where = append(m.where, conds...)
			return true
		}
	}
	pk := primaryKey(cols)
	if n != 1 || pk == nil {
		return false
	}
	if b, ok := first.Type().Underlying().(*types.Basic); !ok || b.Info()&(types.IsInteger|types.IsString) == 0 {
		return false
	}
	m.where = append(m.where, quote(pk.name)+" = "+m.param(first, ""))
	return true
}

// literalConds reads conditions given as a model literal (User{Email: e}):
// each field it sets is compared with its value, but for a constant zero,
// which the ORM leaves out. The literal's type is recorded: its columns
// are its own table's.
func (m *ormStmt) literalConds(v ssa.Value) ([]string, bool) {
	fields, ok := literalFields(v)
	n := modelType(v.Type())
	if !ok || n == nil {
		return nil, false
	}
	cols := columns(m.orm, n)
	if cols == nil {
		return nil, false
	}
	m.condModels = append(m.condModels, n)
	var conds []string
	known := 0
	for _, c := range cols {
		val := fields[c.field]
		if val == nil {
			continue
		}
		known++
		if k, ok := val.(*ssa.Const); ok && (k.Value == nil || isZero(k.Value)) {
			continue
		}
		conds = append(conds, quote(c.name)+" = "+m.param(val, ""))
	}
	return conds, known == len(fields)
}

func isZero(v constant.Value) bool {
	switch v.Kind() {
	case constant.String:
		return constant.StringVal(v) == ""
	case constant.Bool:
		return !constant.BoolVal(v)
	case constant.Int, constant.Float:
		return constant.Sign(v) == 0
	}
	return false
}

// byKey adds the WHERE GORM derives from the primary key of the value a
// write is given (Save(&u), Model(&u)); a write with neither a key nor a
// condition is not modelled.
func (m *ormStmt) byKey(v ssa.Value, cols []column) bool {
	pk := primaryKey(cols)
	if v != nil && pk != nil && modelType(v.Type()) == m.model {
		if fields, ok := literalFields(v); ok && fields[pk.field] == nil {
			// A literal without its key (Model(&User{})): the conditions
			// name the rows.
			return len(m.where) > 0
		}
		if !isSlice(v) {
			m.where = append(m.where, quote(pk.name)+" = "+m.param(v, pk.field))
			return true
		}
	}
	return len(m.where) > 0
}

// value writes SET col = v: a value, or SQL given by Expr.
func (m *ormStmt) value(col string, v ssa.Value) (string, bool) {
	v = Underlying(v)
	if call, ok := v.(*ssa.Call); ok {
		if f := Callee(call.Common()); f != nil && apis.FuncName(f) == m.orm.Expr {
			expr, ok := m.fragment(call.Common().Args[0], call.Common().Args, 0)
			return quote(col) + " = " + expr, ok
		}
	}
	return quote(col) + " = " + m.param(v, ""), true
}

// values writes the SET list of Updates: the constant keys of a map
// literal, or the columns of a struct (its fields as they are at the
// call), as far as Select and Omit keep them.
func (m *ormStmt) values(v ssa.Value, cols []column) ([]string, bool) {
	if v == nil {
		return nil, false
	}
	if mm, ok := v.(*ssa.MakeMap); ok {
		vals, ok := mapLiteral(mm)
		if !ok {
			return nil, false
		}
		var sets []string
		for _, col := range slices.Sorted(maps.Keys(vals)) {
			if !isIdent(col) {
				return nil, false
			}
			if !m.selected(column{name: col, field: col}) {
				continue
			}
			set, ok := m.value(col, vals[col])
			if !ok {
				return nil, false
			}
			sets = append(sets, set)
		}
		return sets, true
	}
	if modelType(v.Type()) != m.model {
		return nil, false
	}
	fields, literal := literalFields(v)
	var sets []string
	for _, c := range cols {
		if !c.writable || c.auto || c.key || !m.selected(c) {
			continue
		}
		// A literal writes the fields it sets (GORM skips zero ones),
		// and those selected by name.
		if literal && fields[c.field] == nil && (m.selects == nil || slices.Contains(m.selects, "*")) {
			continue
		}
		sets = append(sets, quote(c.name)+" = "+m.param(v, c.field))
	}
	return sets, true
}

// valueOf returns the value passed as an interface argument: the pointer
// to a variable, or the variable of a struct passed by value.
func valueOf(v ssa.Value) ssa.Value {
	v = Underlying(v)
	if load, ok := v.(*ssa.UnOp); ok && load.Op == token.MUL {
		if a, ok := load.X.(*ssa.Alloc); ok {
			return a
		}
	}
	return v
}

// literalFields returns the values stored into the fields of the composite
// literal v points to, by field name; ok is false when v is no literal or
// is assigned whole.
func literalFields(v ssa.Value) (map[string]ssa.Value, bool) {
	a, ok := v.(*ssa.Alloc)
	if !ok || a.Comment != "complit" {
		return nil, false
	}
	st, ok := derefType(a.Type()).Underlying().(*types.Struct)
	if !ok || slices.ContainsFunc(Referrers(a), func(ref ssa.Instruction) bool {
		st, ok := ref.(*ssa.Store)
		return ok && st.Addr == a
	}) {
		return nil, false
	}
	return storedFields(a, st), true
}

// storedFields returns the values stored into the fields of the struct of
// type st at addr, by field name.
func storedFields(addr ssa.Value, st *types.Struct) map[string]ssa.Value {
	fields := make(map[string]ssa.Value)
	for _, ref := range Referrers(addr) {
		if fa, ok := ref.(*ssa.FieldAddr); ok {
			if val := storedOnce(fa); val != nil {
				fields[st.Field(fa.Field).Name()] = val
			}
		}
	}
	return fields
}

func constField(fields map[string]ssa.Value, name string) (string, bool) {
	return constString(Underlying(fields[name]))
}

func isTrue(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.Value != nil && k.Value.Kind() == constant.Bool && constant.BoolVal(k.Value)
}

// variadicLen returns the number of elements of the variadic slice that is
// the last of args (0 for none), or -1 when unknown.
func variadicLen(args []ssa.Value) int {
	if len(args) == 0 {
		return 0
	}
	switch v := args[len(args)-1].(type) {
	case *ssa.Const:
		if v.IsNil() {
			return 0
		}
	case *ssa.Slice:
		if a, ok := v.X.(*ssa.Alloc); ok {
			if arr, ok := derefType(a.Type()).(*types.Array); ok {
				return int(arr.Len())
			}
		}
	}
	return -1
}

// derefType strips pointers from t.
func derefType(t types.Type) types.Type {
	for {
		p, ok := types.Unalias(t).Underlying().(*types.Pointer)
		if !ok {
			return types.Unalias(t)
		}
		t = p.Elem()
	}
}

// modelType returns the named struct type of a model value: T, *T, []T,
// *[]T, []*T.
func modelType(t types.Type) *types.Named {
	t = derefType(t)
	if s, ok := t.Underlying().(*types.Slice); ok {
		t = derefType(s.Elem())
	}
	n, ok := t.(*types.Named)
	if !ok {
		return nil
	}
	if _, ok := n.Underlying().(*types.Struct); !ok {
		return nil
	}
	return n
}

// tableOf names a model's table: its table method's constant, else the
// ORM's naming (snake_case, plural); "" when the method's result is not
// known.
func (c *Catalog) tableOf(orm *apis.ORM, n *types.Named) string {
	for _, t := range []types.Type{n, types.NewPointer(n)} {
		ms := types.NewMethodSet(t)
		if sel := ms.Lookup(n.Obj().Pkg(), orm.TableMethod); sel != nil {
			if fn, ok := sel.Obj().(*types.Func); ok {
				return c.tables[fn.Origin()]
			}
		}
	}
	if c.naming.Unknown {
		// Named the same way for the same model, whatever the name is.
		return "table of " + n.Obj().Pkg().Name() + "." + n.Obj().Name()
	}
	name := Snake(n.Obj().Name())
	if !c.naming.Singular {
		name = plural(name)
	}
	return c.naming.Prefix + name
}

// column is one column of a model.
type column struct {
	field string // the Go field
	name  string
	key   bool // the primary key
	// generated is set for an integer primary key, which the database
	// assigns when it is left zero.
	generated bool
	auto      bool // set by the ORM itself on every save (UpdatedAt)
	writable  bool // a direct field written by saves (not the key, not read-only)
	typ       types.Type
}

// columns lists a model's columns: its exported fields of column types,
// fields of embedded structs included (gorm.Model's; written back when
// promoted from a struct embedded by value), associations and ignored
// fields left out. It returns nil when the model has no known
// primary key.
func columns(orm *apis.ORM, n *types.Named) []column {
	var out []column
	// direct is set for fields the value reaches by name: its own and those
	// promoted from structs embedded by value (w.Balance of w.Base.Balance).
	var add func(st *types.Struct, direct bool, prefix string)
	add = func(st *types.Struct, direct bool, prefix string) {
		for i := range st.NumFields() {
			f := st.Field(i)
			if !f.Exported() {
				continue
			}
			opts := tagOptions(reflect.StructTag(st.Tag(i)).Get(orm.Tag))
			if _, ok := opts[orm.Ignore]; ok {
				continue
			}
			if _, ok := opts["-:all"]; ok {
				continue
			}
			_, embedded := opts[strings.ToLower(orm.Embedded)]
			if inner, ok := derefType(f.Type()).Underlying().(*types.Struct); ok && (f.Embedded() || embedded) && !isColumnType(f.Type()) {
				_, byValue := f.Type().Underlying().(*types.Struct)
				add(inner, direct && f.Embedded() && byValue, prefix+opts[strings.ToLower(orm.EmbeddedPrefix)])
				continue
			}
			if !isColumnType(f.Type()) {
				continue
			}
			c := column{field: f.Name(), name: prefix + Snake(f.Name()), typ: f.Type()}
			if name, ok := opts[strings.ToLower(orm.Column)]; ok && name != "" {
				c.name = prefix + name
			}
			_, c.key = opts[strings.ToLower(orm.PrimaryKey)]
			if _, ok := opts["primary_key"]; ok {
				c.key = true
			}
			for _, a := range orm.AutoTimes {
				c.auto = c.auto || f.Name() == a
			}
			// A soft-delete column is guarded by the ORM's own condition on
			// every update (deleted_at IS NULL): not written back.
			c.auto = c.auto || apis.TypeName(f.Type()) == orm.SoftDelete
			_, readOnly := opts["->"]
			_, perm := opts["<-"]
			c.writable = direct && !c.key && !readOnly && !perm
			out = append(out, c)
		}
	}
	add(n.Underlying().(*types.Struct), true, "")
	if !hasKey(out) {
		for i := range out {
			if out[i].field == orm.DefaultKey {
				out[i].key, out[i].writable = true, false
			}
		}
	}
	if !hasKey(out) {
		return nil
	}
	for i := range out {
		out[i].generated = out[i].key && isInteger(out[i].typ)
	}
	return out
}

func isInteger(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

func hasKey(cols []column) bool { return primaryKey(cols) != nil }

func primaryKey(cols []column) *column {
	for i := range cols {
		if cols[i].key {
			return &cols[i]
		}
	}
	return nil
}

// tagOptions splits a tag value "column:n;primaryKey" into lowercased
// option names and their values.
func tagOptions(tag string) map[string]string {
	opts := make(map[string]string)
	for _, part := range strings.Split(tag, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, ":")
		switch k = strings.ToLower(strings.TrimSpace(k)); {
		case k == "-" && v == "all":
			opts["-:all"] = ""
		case strings.HasPrefix(k, "<-"):
			opts["<-"] = v
		default:
			opts[k] = v
		}
	}
	return opts
}

// isColumnType reports whether a field of type t is a column: a basic
// type, []byte, time.Time, or a type the driver converts (Value or Scan
// methods), or a pointer to one; other structs, slices and maps are
// associations.
func isColumnType(t types.Type) bool {
	for _, tt := range []types.Type{t, types.NewPointer(t)} {
		ms := types.NewMethodSet(tt)
		for _, name := range []string{"Value", "Scan"} {
			if ms.Lookup(nil, name) != nil {
				return true
			}
		}
	}
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		return true
	case *types.Pointer:
		return isColumnType(u.Elem())
	case *types.Slice:
		b, ok := u.Elem().Underlying().(*types.Basic)
		return ok && b.Kind() == types.Byte
	case *types.Struct:
		return apis.TypeName(t) == "time.Time"
	}
	return false
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func isIdent(s string) bool { return identRE.MatchString(s) }

func quote(name string) string { return `"` + name + `"` }

// Snake turns a Go name (JobID, UpdatedAt, HTTPCode) into its column name
// (job_id, updated_at, http_code), as sqlc and GORM name them.
func Snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// plurals are GORM's English plural rules (github.com/jinzhu/inflection's),
// the last that matches applies; uncountable and irregular words first.
var (
	uncountable = []string{"equipment", "information", "rice", "money", "species", "series", "fish", "sheep", "jeans", "police"}
	irregular   = [][2]string{{"person", "people"}, {"man", "men"}, {"child", "children"}, {"sex", "sexes"}, {"move", "moves"}, {"mombie", "mombies"}}
	plurals     = []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile("([a-z])$"), "${1}s"},
		{regexp.MustCompile("s$"), "s"},
		{regexp.MustCompile("^(ax|test)is$"), "${1}es"},
		{regexp.MustCompile("(octop|vir)us$"), "${1}i"},
		{regexp.MustCompile("(octop|vir)i$"), "${1}i"},
		{regexp.MustCompile("(alias|status)$"), "${1}es"},
		{regexp.MustCompile("(bu)s$"), "${1}ses"},
		{regexp.MustCompile("(buffal|tomat)o$"), "${1}oes"},
		{regexp.MustCompile("([ti])um$"), "${1}a"},
		{regexp.MustCompile("([ti])a$"), "${1}a"},
		{regexp.MustCompile("sis$"), "ses"},
		{regexp.MustCompile("(?:([^f])fe|([lr])f)$"), "${1}${2}ves"},
		{regexp.MustCompile("(hive)$"), "${1}s"},
		{regexp.MustCompile("([^aeiouy]|qu)y$"), "${1}ies"},
		{regexp.MustCompile("(x|ch|ss|sh)$"), "${1}es"},
		{regexp.MustCompile("(matr|vert|ind)(?:ix|ex)$"), "${1}ices"},
		{regexp.MustCompile("^(m|l)ouse$"), "${1}ice"},
		{regexp.MustCompile("^(m|l)ice$"), "${1}ice"},
		{regexp.MustCompile("^(ox)$"), "${1}en"},
		{regexp.MustCompile("^(oxen)$"), "${1}"},
		{regexp.MustCompile("(quiz)$"), "${1}zes"},
	}
)

// plural is the table name GORM gives a snake_case model name.
func plural(s string) string {
	for _, u := range uncountable {
		if s == u {
			return s
		}
	}
	for _, ir := range irregular {
		if strings.HasSuffix(s, ir[0]) {
			return strings.TrimSuffix(s, ir[0]) + ir[1]
		}
	}
	for i := len(plurals) - 1; i >= 0; i-- {
		if p := plurals[i]; p.re.MatchString(s) {
			return p.re.ReplaceAllString(s, p.repl)
		}
	}
	return s
}
