package catalog

import (
	"strconv"
	"strings"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// Kind is what a statement does.
type Kind uint8

// Statement kinds.
const (
	Unknown Kind = iota // unparsable, several statements, or not a read or write
	Read                // SELECT (see Statement.Lock for locking reads)
	Insert              // INSERT (see Statement.Conflict for upserts)
	Update              // UPDATE
	Delete              // DELETE
)

var kindNames = [...]string{"unknown", "read", "insert", "update", "delete"}

func (k Kind) String() string { return kindNames[k] }

// Lock is the row-lock strength of a locking read.
type Lock uint8

// Lock strengths, weakest first.
const (
	NoLock         Lock = iota
	ForKeyShare         // FOR KEY SHARE
	ForShare            // FOR SHARE
	ForNoKeyUpdate      // FOR NO KEY UPDATE
	ForUpdate           // FOR UPDATE
)

var lockNames = [...]string{"", "FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE"}

func (l Lock) String() string { return lockNames[l] }

// Conflict is the ON CONFLICT action of an INSERT.
type Conflict uint8

// Conflict actions.
const (
	NoConflict Conflict = iota // plain INSERT
	DoNothing                  // ON CONFLICT DO NOTHING
	DoUpdate                   // ON CONFLICT DO UPDATE (an upsert)
)

// Role is how a statement uses one of its parameters.
type Role uint8

// Parameter roles.
const (
	// Predicate: compared in WHERE (or a join or ON CONFLICT ... WHERE).
	Predicate Role = iota + 1
	// Value: a value of a new row (INSERT values not written over an
	// existing row by DO UPDATE).
	Value
	// Overwrite: replaces a column of an existing row (UPDATE SET col = $n,
	// COALESCE($n, col), or an upsert value that DO UPDATE SET copies
	// through EXCLUDED).
	Overwrite
	// Delta: combined in SQL with the column's current value (SET n = n + $1).
	Delta
	// Other: any other use (LIMIT, expressions in a select list, ...).
	Other
)

var roleNames = [...]string{"", "predicate", "value", "overwrite", "delta", "other"}

func (r Role) String() string { return roleNames[r] }

// Use is one use of a parameter in a statement.
type Use struct {
	Param  int    // $n
	Role   Role   //
	Column string // the column it is compared with or written to, when known
}

// Statement is the classification of one SQL statement.
type Statement struct {
	Name       string // sqlc query name, or "" for literal SQL
	Cmd        string // sqlc command (":one", ":many", ":exec", ...), or ""
	Kind       Kind
	Lock       Lock // for reads: the strongest row lock taken
	SkipLocked bool // FOR ... SKIP LOCKED
	NoWait     bool // FOR ... NOWAIT
	Conflict   Conflict
	// Table is the table written, or the first table read.
	Table string
	// Tables are all tables the statement reads or writes.
	Tables []string
	// Atomic is set when some SET computes a column from its own current
	// value (SET n = n + $1), or an upsert's DO UPDATE does.
	Atomic bool
	// Computed are the columns set from their own current value.
	Computed []string
	// CAS is set when the WHERE clause of an UPDATE compares a non-identity
	// column (not id or *_id) to a parameter or a constant.
	CAS bool
	// NumParams is the highest $n used.
	NumParams int
	// Uses lists every use of every parameter.
	Uses []Use
	// Columns are the named result columns (select list or RETURNING), in
	// order; "*" entries stand for all columns of a table.
	Columns []string
	// Written are the columns a write replaces in existing rows (UPDATE SET,
	// DO UPDATE SET).
	Written []string
	// Keys are the columns compared for equality with a parameter in WHERE.
	Keys []string
	// Increments are the SETs of an UPDATE that add a parameter or an
	// integer constant to the column's own value.
	Increments []Increment
	// ForUpdateAppendable is set for a read that stays valid with FOR UPDATE
	// appended: one SELECT from one plain table, without a set operation,
	// WITH, DISTINCT, GROUP BY, HAVING, a window, a function call in its
	// select list (an aggregate refuses the lock), or a locking clause.
	ForUpdateAppendable bool
	// QuestionParams is set for SQL written with ? placeholders, which
	// PostgreSQL cannot parse: SQL for MySQL or SQLite, or for a driver
	// that rebinds it to $n. It is classified as if written with $n (see
	// Classify), and is not PostgreSQL's unless rebound in sight.
	QuestionParams bool
	// ReadFirst is set for an insert that runs only after a read of the
	// same row found none, in the same call (GORM's FirstOrCreate).
	ReadFirst bool
	// FillsMissing is set for a read that, finding no row, fills its
	// destination for a later save to insert (GORM's FirstOrInit);
	// SavesNew for a write that inserts its value when the value has no
	// primary key (GORM's Save).
	FillsMissing, SavesNew bool
	// Probe is set for a read whose one result tells whether rows match
	// its WHERE: count(...) over its table, or EXISTS (subquery), whose
	// table, keys and parameters are the statement's.
	Probe Probe
	// Isolation is the level a SET TRANSACTION ISOLATION LEVEL statement
	// gives the current transaction, as PostgreSQL spells it in lower case
	// ("serializable", "repeatable read"); "" for any other statement.
	Isolation string
}

// Probe is how a read's one result tells whether rows exist.
type Probe uint8

const (
	NoProbe Probe = iota
	// ProbeCount: SELECT count(*) FROM t WHERE ..., 0 when no row matches.
	ProbeCount
	// ProbeExists: SELECT EXISTS (SELECT ... FROM t WHERE ...), false
	// when no row matches.
	ProbeExists
)

// SetsTransaction reports whether the statement does something to the
// transaction it runs in rather than to rows a caller uses: a locking
// read or SET TRANSACTION ISOLATION LEVEL. A helper that runs one such
// statement stands for it at its call sites.
func (s *Statement) SetsTransaction() bool { return s.Locks() || s.Isolation != "" }

// IsWrite reports whether the statement inserts, updates or deletes rows.
func (s *Statement) IsWrite() bool {
	return s.Kind == Insert || s.Kind == Update || s.Kind == Delete
}

// Locks reports whether the statement is a read that locks its rows against
// concurrent updates (FOR UPDATE or FOR NO KEY UPDATE).
func (s *Statement) Locks() bool { return s.Kind == Read && s.Lock >= ForNoKeyUpdate }

// Touches reports whether the statement reads or writes table.
func (s *Statement) Touches(table string) bool {
	for _, t := range s.Tables {
		if t == table {
			return true
		}
	}
	return false
}

// UsesOf returns the uses of parameter $n.
func (s *Statement) UsesOf(n int) []Use {
	var out []Use
	for _, u := range s.Uses {
		if u.Param == n {
			out = append(out, u)
		}
	}
	return out
}

// Describe is a short human description ("read FOR UPDATE of jobs").
func (s *Statement) Describe() string {
	var b strings.Builder
	switch {
	case s.Kind == Insert && s.Conflict == DoUpdate:
		b.WriteString("upsert")
	case s.Kind == Insert && s.Conflict == DoNothing:
		b.WriteString("insert on conflict do nothing")
	default:
		b.WriteString(s.Kind.String())
	}
	if s.Lock != NoLock {
		b.WriteString(" " + s.Lock.String())
	}
	if s.Atomic {
		b.WriteString(" atomic")
	}
	if s.CAS {
		b.WriteString(" cas")
	}
	if s.Table != "" {
		b.WriteString(" " + s.Table)
	}
	return b.String()
}

var classified sync.Map // SQL text -> *Statement

// Classify parses sql (one statement, optionally preceded by a sqlc
// "-- name: X :cmd" line) and classifies it. It never fails: SQL that does
// not parse, or holds several statements, has Kind Unknown. SQL that does
// not parse as written but does once its ? placeholders are numbered $1,
// $2, ... (see Dollars) is classified that way, with QuestionParams set:
// the ? are placeholders, and the rest of the statement reads the same in
// PostgreSQL; SQL for another database that PostgreSQL still cannot parse
// (backquotes, ON DUPLICATE KEY) stays Unknown. Results are cached and
// shared; callers must not modify them.
func Classify(sql string) *Statement {
	if s, ok := classified.Load(sql); ok {
		return s.(*Statement)
	}
	s := classify(sql)
	classified.Store(sql, s)
	return s
}

// ClassifyRebound classifies SQL seen passing through a call that rebinds
// its ? placeholders for the driver (sqlx's Rebind): as the driver will see
// it, so QuestionParams is unset.
func ClassifyRebound(sql string) *Statement { return Classify(Dollars(sql)) }

func classify(sql string) (st *Statement) {
	st = &Statement{}
	st.Name, st.Cmd = sqlcHeader(sql)
	defer func() {
		// The parser is C code behind cgo; a panic in our walk over an
		// unexpected tree must not take vet down.
		if recover() != nil {
			*st = Statement{Name: st.Name, Cmd: st.Cmd}
		}
	}()
	tree, err := pg.Parse(sql)
	if err != nil && strings.Contains(sql, "?") {
		st.QuestionParams = true
		if d := Dollars(sql); d != sql {
			tree, err = pg.Parse(d)
		}
	}
	if err != nil || len(tree.GetStmts()) != 1 {
		return st
	}
	c := classifier{st: st}
	c.statement(tree.GetStmts()[0].GetStmt())
	c.finish()
	return st
}

// Named compiles sqlx's named SQL as sqlx does for PostgreSQL: every
// :name (letters, digits, _ and .) becomes the next $n, :: stands for one
// colon and := is kept; it returns the SQL and the name of each $n. Like
// sqlx, it does not skip string literals or comments.
func Named(sql string) (string, []string) {
	var b strings.Builder
	var names []string
	for i := 0; i < len(sql); i++ {
		switch {
		case strings.HasPrefix(sql[i:], "::"):
			b.WriteByte(':')
			i++
		case strings.HasPrefix(sql[i:], ":="):
			b.WriteString(":=")
			i++
		case sql[i] == ':':
			j := i + 1
			for j < len(sql) && isNameByte(sql[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte(':')
				continue
			}
			names = append(names, sql[i+1:j])
			b.WriteString("$" + strconv.Itoa(len(names)))
			i = j - 1
		default:
			b.WriteByte(sql[i])
		}
	}
	return b.String(), names
}

func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// Dollars numbers the ? placeholders of sql $1, $2, ... as sqlx's Rebind
// does for PostgreSQL, leaving alone a ? inside a string literal, a quoted
// identifier or a comment.
func Dollars(sql string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(sql); i++ {
		ch := sql[i]
		switch {
		case ch == '\'' || ch == '"':
			end := strings.IndexByte(sql[i+1:], ch)
			if end < 0 {
				return sql // unterminated: leave it for the parser to reject
			}
			b.WriteString(sql[i : i+end+2])
			i += end + 1
		case ch == '-' && strings.HasPrefix(sql[i:], "--"):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			b.WriteString(sql[i : i+end])
			i += end - 1
		case ch == '/' && strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i:], "*/")
			if end < 0 {
				return sql
			}
			b.WriteString(sql[i : i+end+2])
			i += end + 1
		case ch == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// sqlcHeader returns the name and command of a "-- name: X :cmd" first line.
func sqlcHeader(sql string) (name, cmd string) {
	line, _, _ := strings.Cut(strings.TrimSpace(sql), "\n")
	rest, ok := strings.CutPrefix(line, "-- name:")
	if !ok {
		return "", ""
	}
	f := strings.Fields(rest)
	if len(f) >= 1 {
		name = f[0]
	}
	if len(f) >= 2 {
		cmd = f[1]
	}
	return name, cmd
}

type classifier struct {
	st *Statement
}

func (c *classifier) use(n *pg.Node, role Role, column string) {
	p := n.GetParamRef()
	// The parser takes $0, which no statement can bind (PostgreSQL refuses
	// it when it plans the statement): it is no parameter.
	if p == nil || p.GetNumber() < 1 {
		return
	}
	c.st.Uses = append(c.st.Uses, Use{Param: int(p.GetNumber()), Role: role, Column: column})
}

func (c *classifier) table(rv *pg.RangeVar) {
	if rv == nil {
		return
	}
	name := rv.GetRelname()
	if c.st.Table == "" {
		c.st.Table = name
	}
	for _, t := range c.st.Tables {
		if t == name {
			return
		}
	}
	c.st.Tables = append(c.st.Tables, name)
}

func (c *classifier) statement(n *pg.Node) {
	switch {
	case n.GetSelectStmt() != nil:
		c.st.Kind = Read
		c.selectStmt(n.GetSelectStmt(), true)
	case n.GetInsertStmt() != nil:
		c.st.Kind = Insert
		c.insert(n.GetInsertStmt())
	case n.GetUpdateStmt() != nil:
		c.st.Kind = Update
		c.update(n.GetUpdateStmt())
	case n.GetDeleteStmt() != nil:
		c.st.Kind = Delete
		d := n.GetDeleteStmt()
		c.table(d.GetRelation())
		c.withClause(d.GetWithClause())
		c.fromList(d.GetUsingClause())
		c.where(d.GetWhereClause(), true)
		c.columns(d.GetReturningList())
	case n.GetVariableSetStmt() != nil:
		c.st.Isolation = isolationSet(n.GetVariableSetStmt())
	}
}

// isolationSet returns the level SET TRANSACTION ISOLATION LEVEL sets, or
// "" for another SET.
func isolationSet(v *pg.VariableSetStmt) string {
	if !strings.EqualFold(v.GetName(), "transaction") {
		return ""
	}
	for _, a := range v.GetArgs() {
		if d := a.GetDefElem(); d != nil && d.GetDefname() == "transaction_isolation" {
			return d.GetArg().GetAConst().GetSval().GetSval()
		}
	}
	return ""
}

func (c *classifier) withClause(w *pg.WithClause) {
	for _, cte := range w.GetCtes() {
		q := cte.GetCommonTableExpr().GetCtequery()
		if s := q.GetSelectStmt(); s != nil {
			c.selectStmt(s, false)
		} else {
			// Data-modifying CTEs: record their tables and parameters
			// without letting them decide the statement's kind.
			walk(q, func(n *pg.Node) {
				if rv := n.GetRangeVar(); rv != nil {
					c.table(rv)
				}
			})
			c.others(q)
		}
	}
}

func (c *classifier) selectStmt(s *pg.SelectStmt, top bool) {
	if top {
		c.st.ForUpdateAppendable = forUpdateAppendable(s)
	}
	if top {
		if sub := existsOnly(s); sub != nil {
			c.st.Probe = ProbeExists
			c.fromList(sub.GetFromClause())
			c.where(sub.GetWhereClause(), true)
			return
		}
		if countOnly(s) {
			c.st.Probe = ProbeCount
		}
	}
	if s.GetLarg() != nil || s.GetRarg() != nil {
		c.selectStmt(s.GetLarg(), false)
		c.selectStmt(s.GetRarg(), false)
		return
	}
	c.withClause(s.GetWithClause())
	c.fromList(s.GetFromClause())
	if top {
		for _, l := range s.GetLockingClause() {
			lc := l.GetLockingClause()
			var lock Lock
			switch lc.GetStrength() {
			case pg.LockClauseStrength_LCS_FORKEYSHARE:
				lock = ForKeyShare
			case pg.LockClauseStrength_LCS_FORSHARE:
				lock = ForShare
			case pg.LockClauseStrength_LCS_FORNOKEYUPDATE:
				lock = ForNoKeyUpdate
			case pg.LockClauseStrength_LCS_FORUPDATE:
				lock = ForUpdate
			}
			if lock > c.st.Lock {
				c.st.Lock = lock
			}
			switch lc.GetWaitPolicy() {
			case pg.LockWaitPolicy_LockWaitSkip:
				c.st.SkipLocked = true
			case pg.LockWaitPolicy_LockWaitError:
				c.st.NoWait = true
			}
		}
		c.columns(s.GetTargetList())
	} else {
		for _, t := range s.GetTargetList() {
			c.others(t)
		}
	}
	c.where(s.GetWhereClause(), top)
	c.where(s.GetHavingClause(), false)
	for _, n := range s.GetGroupClause() {
		c.others(n)
	}
	c.others(s.GetLimitCount())
	c.others(s.GetLimitOffset())
	for _, l := range s.GetValuesLists() {
		c.others(l)
	}
}

// existsOnly returns the subquery of SELECT EXISTS (subquery), a select
// of that one value and nothing else, or nil.
func existsOnly(s *pg.SelectStmt) *pg.SelectStmt {
	if len(s.GetTargetList()) != 1 || len(s.GetFromClause()) > 0 || s.GetWhereClause() != nil || s.GetWithClause() != nil {
		return nil
	}
	sub := s.GetTargetList()[0].GetResTarget().GetVal().GetSubLink()
	if sub == nil || sub.GetSubLinkType() != pg.SubLinkType_EXISTS_SUBLINK {
		return nil
	}
	return sub.GetSubselect().GetSelectStmt()
}

// countOnly reports whether s selects count(...) of the rows of one
// table and nothing else: no grouping, so one row, 0 when none match.
func countOnly(s *pg.SelectStmt) bool {
	if len(s.GetTargetList()) != 1 || len(s.GetGroupClause()) > 0 || s.GetHavingClause() != nil ||
		s.GetLarg() != nil || len(s.GetFromClause()) != 1 || s.GetFromClause()[0].GetRangeVar() == nil {
		return false
	}
	f := s.GetTargetList()[0].GetResTarget().GetVal().GetFuncCall()
	if f == nil || f.GetOver() != nil || f.GetAggFilter() != nil || len(f.GetFuncname()) == 0 {
		return false
	}
	return strings.EqualFold(f.GetFuncname()[len(f.GetFuncname())-1].GetString_().GetSval(), "count")
}

// forUpdateAppendable reports whether FOR UPDATE can be appended to s.
func forUpdateAppendable(s *pg.SelectStmt) bool {
	if s.GetLarg() != nil || s.GetWithClause() != nil || len(s.GetDistinctClause()) > 0 ||
		len(s.GetGroupClause()) > 0 || s.GetHavingClause() != nil || len(s.GetWindowClause()) > 0 ||
		len(s.GetLockingClause()) > 0 || len(s.GetValuesLists()) > 0 ||
		len(s.GetFromClause()) != 1 || s.GetFromClause()[0].GetRangeVar() == nil {
		return false
	}
	for _, t := range s.GetTargetList() {
		val := t.GetResTarget().GetVal()
		if val == nil || val.GetColumnRef() == nil {
			return false
		}
	}
	return true
}

func (c *classifier) fromList(from []*pg.Node) {
	for _, f := range from {
		walk(f, func(n *pg.Node) {
			if rv := n.GetRangeVar(); rv != nil {
				c.table(rv)
			}
		})
		// Parameters in joins, function calls (unnest($1)) and subqueries.
		if j := f.GetJoinExpr(); j != nil {
			c.where(j.GetQuals(), false)
		}
		c.others(f)
	}
}

// columns records result columns of a select list or RETURNING clause.
func (c *classifier) columns(list []*pg.Node) {
	for _, t := range list {
		rt := t.GetResTarget()
		name := rt.GetName()
		if name == "" {
			if cr := rt.GetVal().GetColumnRef(); cr != nil {
				name = columnName(cr)
			}
		}
		c.st.Columns = append(c.st.Columns, name)
		c.others(rt.GetVal())
	}
}

func (c *classifier) insert(s *pg.InsertStmt) {
	c.table(s.GetRelation())
	c.withClause(s.GetWithClause())
	var cols []string
	for _, n := range s.GetCols() {
		cols = append(cols, n.GetResTarget().GetName())
	}
	excluded := map[string]bool{} // columns DO UPDATE copies from EXCLUDED
	if oc := s.GetOnConflictClause(); oc != nil {
		switch oc.GetAction() {
		case pg.OnConflictAction_ONCONFLICT_NOTHING:
			c.st.Conflict = DoNothing
		case pg.OnConflictAction_ONCONFLICT_UPDATE:
			c.st.Conflict = DoUpdate
			target := c.st.Table
			for _, n := range oc.GetTargetList() {
				rt := n.GetResTarget()
				col := rt.GetName()
				val := unwrap(rt.GetVal())
				switch {
				case isColumn(val, "excluded", col) && !isKey(oc, col):
					excluded[col] = true
					c.st.Written = append(c.st.Written, col)
				case isColumn(val, "excluded", col):
					// SET key = EXCLUDED.key: a no-op write to lock and return the row.
				case refersTo(val, col, target):
					c.st.Atomic = true
					c.st.Computed = append(c.st.Computed, col)
					c.assign(val, col, Delta)
				default:
					c.assign(val, col, Overwrite)
				}
			}
			c.where(oc.GetWhereClause(), false)
		}
	}
	sel := s.GetSelectStmt().GetSelectStmt()
	if sel == nil {
		return
	}
	if lists := sel.GetValuesLists(); len(lists) > 0 {
		for _, l := range lists {
			for i, item := range l.GetList().GetItems() {
				col := ""
				if i < len(cols) {
					col = cols[i]
				}
				role := Value
				if excluded[col] {
					role = Overwrite
				}
				c.assign(unwrap(item), col, role)
			}
		}
	} else {
		// INSERT ... SELECT: parameters feed new rows.
		c.fromList(sel.GetFromClause())
		c.withClause(sel.GetWithClause())
		for i, t := range sel.GetTargetList() {
			col := ""
			if i < len(cols) {
				col = cols[i]
			}
			c.assign(unwrap(t.GetResTarget().GetVal()), col, Value)
		}
		c.where(sel.GetWhereClause(), false)
	}
	c.columns(s.GetReturningList())
}

// isKey reports whether col is part of the ON CONFLICT target.
func isKey(oc *pg.OnConflictClause, col string) bool {
	for _, e := range oc.GetInfer().GetIndexElems() {
		if e.GetIndexElem().GetName() == col {
			return true
		}
	}
	return false
}

func (c *classifier) update(s *pg.UpdateStmt) {
	c.table(s.GetRelation())
	c.withClause(s.GetWithClause())
	c.fromList(s.GetFromClause())
	target := c.st.Table
	for _, n := range s.GetTargetList() {
		rt := n.GetResTarget()
		col := rt.GetName()
		val := unwrap(rt.GetVal())
		if refersTo(val, col, target) && val.GetCoalesceExpr() == nil {
			c.st.Atomic = true
			c.st.Computed = append(c.st.Computed, col)
			if inc, ok := increment(val, col); ok {
				c.st.Increments = append(c.st.Increments, inc)
			}
			c.assign(val, col, Delta)
			continue
		}
		c.st.Written = append(c.st.Written, col)
		c.assign(val, col, Overwrite)
	}
	c.where(s.GetWhereClause(), true)
	c.columns(s.GetReturningList())
}

// assign records the parameters of a value expression written to col: a
// bare parameter, the first argument of COALESCE, or an operand of
// arithmetic over parameters, takes role; parameters nested in other
// expressions are Other.
func (c *classifier) assign(val *pg.Node, col string, role Role) {
	if val.GetParamRef() != nil {
		c.use(val, role, col)
		return
	}
	if ce := val.GetCoalesceExpr(); ce != nil && len(ce.GetArgs()) > 0 {
		first := unwrap(ce.GetArgs()[0])
		if first.GetParamRef() != nil {
			c.use(first, role, col)
			for _, a := range ce.GetArgs()[1:] {
				c.others(a)
			}
			return
		}
	}
	if role == Delta {
		walk(val, func(n *pg.Node) { c.use(n, Delta, col) })
		return
	}
	// SET n = $1 + 1: computed from the parameter, not from the column's
	// current value, it still replaces the column.
	if e := val.GetAExpr(); e != nil && role == Overwrite && e.GetKind() == pg.A_Expr_Kind_AEXPR_OP {
		c.assign(unwrap(e.GetLexpr()), col, role)
		c.assign(unwrap(e.GetRexpr()), col, role)
		return
	}
	c.others(val)
}

// where records predicate parameters and, for the statement's own WHERE
// (top), keys and compare-and-set columns.
func (c *classifier) where(n *pg.Node, top bool) {
	if n == nil {
		return
	}
	walk(n, func(n *pg.Node) {
		e := n.GetAExpr()
		if e == nil {
			if sub := n.GetSubLink(); sub != nil {
				c.others(sub.GetSubselect())
			}
			return
		}
		l, r := unwrap(e.GetLexpr()), unwrap(e.GetRexpr())
		if l.GetColumnRef() == nil {
			l, r = r, l
		}
		cr := l.GetColumnRef()
		if cr == nil {
			return
		}
		col := columnName(cr)
		op := ""
		if len(e.GetName()) == 1 {
			op = e.GetName()[0].GetString_().GetSval()
		}
		params := paramsIn(r)
		for _, p := range params {
			c.use(p, Predicate, col)
		}
		if !top || r.GetColumnRef() != nil || r.GetSubLink() != nil {
			return
		}
		eq := op == "=" && (e.GetKind() == pg.A_Expr_Kind_AEXPR_OP || e.GetKind() == pg.A_Expr_Kind_AEXPR_OP_ANY || e.GetKind() == pg.A_Expr_Kind_AEXPR_IN)
		if eq && len(params) > 0 {
			c.st.Keys = appendNew(c.st.Keys, col)
		}
		if c.st.Kind == Update && !IsIdentity(col) && (eq || op == "<>" || op == "<" || op == ">" || op == "<=" || op == ">=") {
			c.st.CAS = true
		}
	})
	// NULL tests on non-identity columns are compare-and-set too
	// (UPDATE ... WHERE published_at IS NULL).
	if top && c.st.Kind == Update {
		walk(n, func(n *pg.Node) {
			if nt := n.GetNullTest(); nt != nil {
				if cr := unwrap(nt.GetArg()).GetColumnRef(); cr != nil && !IsIdentity(columnName(cr)) {
					c.st.CAS = true
				}
			}
		})
	}
	c.others(n)
}

// others records every parameter under n not yet recorded, as Other.
func (c *classifier) others(n *pg.Node) {
	walk(n, func(n *pg.Node) {
		p := n.GetParamRef()
		if p == nil {
			return
		}
		loc := p.GetNumber()
		for _, u := range c.st.Uses {
			if int32(u.Param) == loc {
				return
			}
		}
		c.use(n, Other, "")
	})
}

func (c *classifier) finish() {
	for _, u := range c.st.Uses {
		if u.Param > c.st.NumParams {
			c.st.NumParams = u.Param
		}
	}
}

// IsIdentity reports whether a column name looks like a row's identity (id,
// uuid or a foreign key *_id) rather than state that changes.
func IsIdentity(col string) bool {
	col = strings.ToLower(col)
	return col == "id" || col == "uuid" || strings.HasSuffix(col, "_id") || strings.HasSuffix(col, "_uuid")
}

// unwrap strips type casts.
func unwrap(n *pg.Node) *pg.Node {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	return n
}

func columnName(cr *pg.ColumnRef) string {
	f := cr.GetFields()
	if len(f) == 0 {
		return ""
	}
	if f[len(f)-1].GetAStar() != nil {
		return "*"
	}
	return f[len(f)-1].GetString_().GetSval()
}

// isColumn reports whether n is the column qualifier.col.
func isColumn(n *pg.Node, qualifier, col string) bool {
	f := n.GetColumnRef().GetFields()
	return len(f) == 2 && f[0].GetString_().GetSval() == qualifier && f[1].GetString_().GetSval() == col
}

// refersTo reports whether expression n reads column col of the target
// table (unqualified or qualified by the table name), as in n + 1.
func refersTo(n *pg.Node, col, table string) bool {
	found := false
	walk(n, func(n *pg.Node) {
		f := n.GetColumnRef().GetFields()
		switch {
		case len(f) == 1:
			found = found || f[0].GetString_().GetSval() == col
		case len(f) == 2:
			q := f[0].GetString_().GetSval()
			found = found || (q == table && f[1].GetString_().GetSval() == col)
		}
	})
	return found
}

func paramsIn(n *pg.Node) []*pg.Node {
	var out []*pg.Node
	n = unwrap(n)
	switch {
	case n.GetParamRef() != nil:
		out = append(out, n)
	case n.GetList() != nil:
		for _, it := range n.GetList().GetItems() {
			if it = unwrap(it); it.GetParamRef() != nil {
				out = append(out, it)
			}
		}
	case n.GetAArrayExpr() != nil:
		for _, it := range n.GetAArrayExpr().GetElements() {
			if it = unwrap(it); it.GetParamRef() != nil {
				out = append(out, it)
			}
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
