package catalog

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

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

// ormStmt is the statement of one ORM chain being modelled.
type ormStmt struct {
	cat *Catalog
	orm *apis.ORM

	model    *types.Named // the model type (Model, else the finisher's value)
	modelVal ssa.Value    // the value given to Model, whose primary key is the row
	table    string       // from Table, else the model's
	where    []string     // conditions, with $n placeholders
	lock     string       // FOR UPDATE ..., from a locking clause
	conflict string       // ON CONFLICT ..., from a conflict clause
	upsert   bool         // the conflict clause updates columns
	root     ssa.Value    // the pool or transaction the chain starts on

	args []ssa.Value
	refs []ArgRef
}

// param binds the Go value v (field of it, when a struct) to the next $n.
func (m *ormStmt) param(v ssa.Value, field string) string {
	m.args = append(m.args, v)
	m.refs = append(m.refs, ArgRef{Param: len(m.args) - 1, Field: field})
	return "$" + strconv.Itoa(len(m.args))
}

// fragment turns SQL written with ? placeholders into $n ones bound to the
// values in the variadic argument, the last of args, from its element
// skip on; ok is false when the SQL is not a constant or names parameters
// (@name).
func (m *ormStmt) fragment(sql ssa.Value, args []ssa.Value, skip int) (string, bool) {
	s, ok := constString(Underlying(sql))
	if !ok || strings.Contains(s, "@") {
		return "", false
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
	if op != apis.RunUpdate && len(args) > 0 {
		dest = valueOf(args[0])
	}
	if m.model == nil && dest != nil {
		m.model = modelType(dest.Type())
	}
	if m.model == nil {
		return nil
	}
	if m.table == "" {
		m.table = c.tableOf(orm, m.model)
	}
	cols := columns(orm, m.model)
	if m.table == "" || cols == nil {
		return nil
	}
	sql, ok := m.build(op, args, dest, cols)
	if !ok {
		return nil
	}
	st := Classify(sql)
	if st.Kind == Unknown {
		return nil
	}
	if op == apis.RunFirst || op == apis.RunFirstOrCreate || op == apis.RunFirstOrInit || op == apis.RunSave || m.upsert {
		s := *st
		s.ReadFirst = op == apis.RunFirstOrCreate
		s.FillsMissing = op == apis.RunFirstOrInit
		s.SavesNew = op == apis.RunSave && m.conflict == "" // its insert has no conflict clause
		if op == apis.RunFirst {
			s.Cmd = ":one" // a miss is an error the client makes up
		}
		if m.upsert {
			s.Conflict = DoUpdate
		}
		st = &s
	}
	return &Call{Stmt: st, Name: fn.Name(), Exec: Underlying(m.root), Dest: dest, Many: op == apis.RunFind, common: common, args: m.args, refs: m.refs}
}

// chain reads the chained calls below a finisher's receiver v, down to the
// handle they start on.
func (m *ormStmt) chain(v ssa.Value) bool {
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
	m.root = v
	if _, merged := v.(*ssa.Phi); merged {
		return false // a chain built on several paths (q = q.Where(...) under an if)
	}
	// Apply from the handle outwards: a later Model or Table wins.
	for i := len(calls) - 1; i >= 0; i-- {
		common := calls[i]
		f := Callee(common)
		op, ok := m.orm.Chain[f.Name()]
		if !ok || !m.apply(op, common.Args[1:]) {
			return false
		}
	}
	return true
}

func (m *ormStmt) apply(op apis.ChainOp, args []ssa.Value) bool {
	switch op {
	case apis.ChainModel:
		m.modelVal = valueOf(args[0])
		m.model = modelType(m.modelVal.Type())
		return m.model != nil
	case apis.ChainTable:
		name, ok := constString(args[0])
		m.table = name
		return ok && variadicLen(args) == 0 && !strings.ContainsAny(name, " ?")
	case apis.ChainWhere:
		cond, ok := m.fragment(args[0], args, 0)
		m.where = append(m.where, "("+cond+")")
		return ok
	case apis.ChainClauses:
		for i := range variadicLen(args) {
			if !m.clause(valueOf(VariadicArg(args, i))) {
				return false
			}
		}
		return true
	case apis.ChainNeutral:
		return true
	}
	return false
}

// clause reads a locking clause (Strength "UPDATE", Options "NOWAIT") or a
// conflict clause (DoNothing, or UpdateAll / DoUpdates) given as a literal.
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
		if isTrue(fields["DoNothing"]) {
			m.conflict = " ON CONFLICT DO NOTHING"
			return true
		}
		// DO UPDATE: which columns it sets is not read; classified as an
		// upsert without overwritten parameters.
		if isTrue(fields["UpdateAll"]) || fields["DoUpdates"] != nil {
			m.conflict, m.upsert = " ON CONFLICT DO NOTHING", true
			return true
		}
	}
	return false
}

// build writes the statement's SQL.
func (m *ormStmt) build(op apis.RunOp, args []ssa.Value, dest ssa.Value, cols []column) (string, bool) {
	table := quote(m.table)
	switch op {
	case apis.RunFirst, apis.RunFind, apis.RunFirstOrCreate, apis.RunFirstOrInit:
		if !m.inline(args, cols) {
			return "", false
		}
		sql := "SELECT * FROM " + table + m.whereSQL()
		if op != apis.RunFind {
			sql += " LIMIT 1"
		}
		if m.lock != "" {
			sql += " " + m.lock
		}
		if op == apis.RunFirstOrCreate {
			// The insert that follows a miss: the conditions' values and
			// the destination's fields.
			var names, vals []string
			for _, c := range cols {
				if c.writable {
					names = append(names, quote(c.name))
					vals = append(vals, m.param(dest, c.field))
				}
			}
			return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")" + m.conflict, len(names) > 0
		}
		return sql, true
	case apis.RunCreate:
		var names, vals []string
		for _, c := range cols {
			if c.writable {
				names = append(names, quote(c.name))
				vals = append(vals, m.param(dest, c.field))
			}
		}
		return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")" + m.conflict, len(names) > 0
	case apis.RunSave:
		var sets []string
		for _, c := range cols {
			if c.writable && !c.auto {
				sets = append(sets, quote(c.name)+" = "+m.param(dest, c.field))
			}
		}
		if !m.byKey(dest, cols) || len(sets) == 0 {
			return "", false
		}
		return "UPDATE " + table + " SET " + strings.Join(sets, ", ") + m.whereSQL(), true
	case apis.RunUpdate:
		name, ok := constString(args[0])
		if !ok || !isIdent(name) {
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

func (m *ormStmt) whereSQL() string {
	if len(m.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(m.where, " AND ")
}

// inline reads a finisher's inline conditions (First(&u, id),
// Find(&us, "status = ?", s)): SQL with its values, or one primary key
// value.
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
		if conds, ok := m.literalConds(valueOf(first), cols); ok {
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
// each field it sets is compared with its value.
func (m *ormStmt) literalConds(v ssa.Value, cols []column) ([]string, bool) {
	fields, ok := literalFields(v)
	if !ok || modelType(v.Type()) != m.model || len(fields) == 0 {
		return nil, false
	}
	var conds []string
	for _, c := range cols {
		if val := fields[c.field]; val != nil {
			conds = append(conds, quote(c.name)+" = "+m.param(val, ""))
		}
	}
	return conds, len(conds) == len(fields)
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
		if _, isSlice := derefType(v.Type()).Underlying().(*types.Slice); !isSlice {
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
// call).
func (m *ormStmt) values(v ssa.Value, cols []column) ([]string, bool) {
	if v == nil {
		return nil, false
	}
	if mm, ok := v.(*ssa.MakeMap); ok {
		var sets []string
		for _, ref := range Referrers(mm) {
			up, ok := ref.(*ssa.MapUpdate)
			if !ok || up.Map != mm {
				continue
			}
			col, ok := constString(Underlying(up.Key))
			if !ok || !isIdent(col) {
				return nil, false
			}
			set, ok := m.value(col, up.Value)
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
		if !c.writable || c.auto || c.key {
			continue
		}
		// A literal writes the fields it sets (GORM skips zero ones).
		if literal && fields[c.field] == nil {
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
	if !ok {
		return nil, false
	}
	fields := make(map[string]ssa.Value)
	for _, ref := range Referrers(a) {
		switch r := ref.(type) {
		case *ssa.Store:
			if r.Addr == a {
				return nil, false
			}
		case *ssa.FieldAddr:
			for _, fr := range Referrers(r) {
				if s, ok := fr.(*ssa.Store); ok && s.Addr == r {
					fields[st.Field(r.Field).Name()] = s.Val
				}
			}
		}
	}
	return fields, true
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
	return plural(Snake(n.Obj().Name()))
}

// column is one column of a model.
type column struct {
	field    string // the Go field
	name     string
	key      bool // the primary key
	auto     bool // set by the ORM itself on every save (UpdatedAt)
	writable bool // a direct field written by saves (not the key, not read-only)
}

// columns lists a model's columns: its exported fields of column types,
// fields of embedded structs included (gorm.Model's), associations and
// ignored fields left out. It returns nil when the model has no known
// primary key.
func columns(orm *apis.ORM, n *types.Named) []column {
	var out []column
	var add func(st *types.Struct, direct bool)
	add = func(st *types.Struct, direct bool) {
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
				add(inner, false)
				continue
			}
			if !isColumnType(f.Type()) {
				continue
			}
			c := column{field: f.Name(), name: Snake(f.Name())}
			if name, ok := opts[strings.ToLower(orm.Column)]; ok && name != "" {
				c.name = name
			}
			_, c.key = opts[strings.ToLower(orm.PrimaryKey)]
			if _, ok := opts["primary_key"]; ok {
				c.key = true
			}
			for _, a := range orm.AutoTimes {
				c.auto = c.auto || f.Name() == a
			}
			_, readOnly := opts["->"]
			_, perm := opts["<-"]
			c.writable = direct && !c.key && !readOnly && !perm
			out = append(out, c)
		}
	}
	add(n.Underlying().(*types.Struct), true)
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
	return out
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
