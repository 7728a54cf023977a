package lostupdate

import (
	_ "embed"
	"fmt"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/analyzerdoc"
	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ignore"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
)

//go:embed doc.go
var doc string

// URL is the README section of the check.
const URL = "https://github.com/lockstep-dev/lockstep#lostupdate"

// Analyzer reports lost updates.
var Analyzer = &analysis.Analyzer{
	Name:      "lostupdate",
	Doc:       analyzerdoc.Extract(doc, "lostupdate"),
	URL:       URL,
	Requires:  []*analysis.Analyzer{catalog.Analyzer, txn.Analyzer},
	FactTypes: []analysis.Fact{new(flowFact), new(lockFact)},
	Run:       run,
}

type checker struct {
	pass *analysis.Pass
	cat  *catalog.Catalog
	txr  *txn.Result
	t    *tracer
	rep  *ignore.Reporter
	// locks are the lock facts of this package's wrappers.
	locks map[*types.Func]*lockFact
}

func run(pass *analysis.Pass) (any, error) {
	cat := pass.ResultOf[catalog.Analyzer].(*catalog.Catalog)
	if !cat.Relevant {
		return nil, nil
	}
	txr := pass.ResultOf[txn.Analyzer].(*txn.Result)
	c := &checker{
		pass: pass,
		cat:  cat,
		txr:  txr,
		t:    newTracer(pass, cat),
		rep:  ignore.New(pass),
	}
	defer c.rep.Finish()
	safely(func() { c.locks = c.lockFacts() })
	for obj, f := range c.locks {
		pass.ExportObjectFact(obj, f)
	}
	// The SSA form is txn's, so transaction handles compare equal.
	for _, fn := range txr.SrcFuncs {
		safely(func() { c.check(fn) })
	}
	for _, fn := range txr.SrcFuncs {
		if obj, ok := fn.Object().(*types.Func); ok {
			safely(func() {
				if sum := c.t.summarize(fn); sum != nil {
					pass.ExportObjectFact(obj, sum)
				}
			})
		}
	}
	return nil, nil
}

// safely runs f and drops a panic: an unexpected SSA shape costs the
// findings of one function, never the vet run.
func safely(f func()) {
	defer func() {
		if r := recover(); r != nil {
			panic(r)
		}
	}()
	f()
}

// stmtCall is a call that runs a classified statement.
type stmtCall struct {
	instr ssa.CallInstruction
	*catalog.Call
}

func (c *checker) calls(fn *ssa.Function) []stmtCall {
	var out []stmtCall
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if ci, ok := instr.(ssa.CallInstruction); ok {
				if call := c.t.call(ci); call != nil {
					out = append(out, stmtCall{ci, call})
					if call.Hit != nil {
						out = append(out, stmtCall{ci, call.Hit})
					}
				}
			}
		}
	}
	return out
}

// stale is what one read contributes to one write.
type stale struct {
	read    stmtCall
	fields  []string // fields or columns of the read written back
	columns []string // columns of the write they end up in
	// fresh is set when every value from the read is written only where
	// it was found non-empty, a fresh one replacing it where it was empty.
	fresh bool
}

func (c *checker) check(fn *ssa.Function) {
	calls := c.calls(fn)
	for _, w := range calls {
		st := w.Stmt
		if st.Kind != catalog.Update && !(st.Kind == catalog.Insert && st.Conflict == catalog.DoUpdate) {
			continue
		}
		var order []ssa.CallInstruction
		byRead := make(map[ssa.CallInstruction]*stale)
		for _, u := range st.Uses {
			if u.Role != catalog.Overwrite {
				continue
			}
			v, field := w.Arg(u.Param)
			written := c.t.writtenBy(v, field, w.instr)
			for _, s := range slices.Concat(written, c.foundEmpty(fn, w, u, written)) {
				if s.read == nil {
					continue
				}
				r := stmtCall{s.read, c.t.readOf(s.read)}
				if !r.Stmt.Touches(st.Table) {
					continue
				}
				name := readColumn(s, r.Stmt)
				if name != "" && isIdentity(name, r.Stmt) {
					continue
				}
				e := byRead[s.read]
				if e == nil {
					e = &stale{read: r, fresh: true}
					byRead[s.read] = e
					order = append(order, s.read)
				}
				e.fresh = e.fresh && s.kept
				if name == "" {
					name = "value"
				}
				e.fields = appendNew(e.fields, name)
				e.columns = appendNew(e.columns, u.Column)
			}
		}
		for _, ri := range order {
			e := byRead[ri]
			if c.protected(fn, calls, e.read, w) || !c.sameRow(e.read, w) {
				continue
			}
			if e.fresh && w.Stmt.CAS {
				continue // the write fills in only where the WHERE finds it still empty
			}
			c.report(calls, e, w)
		}
	}
}

// foundEmpty returns, for a write that runs only where a read found the
// column u it writes empty (if code == "" { code = fresh(); UPDATE ... SET
// code = $1 }), that read's column as a kept value: nothing read is
// written back, but two callers can both find it empty and fill it in,
// which matters where the first one's value is handed out: only when the
// function also returns the value written (not a constant).
func (c *checker) foundEmpty(fn *ssa.Function, w stmtCall, u catalog.Use, written []source) []source {
	for _, s := range written {
		if s.read != nil {
			return nil // a value read is written: the sources say how
		}
	}
	var out []source
	for _, b := range fn.Blocks {
		iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		x, empty := emptyTested(iff)
		if x == nil || types.Identical(x.Type(), errorType) || !dominatedBy(w.instr.Block(), b, empty) {
			continue // an error found nil (sqlx's Get, GORM's .Error) is no value read
		}
		for _, s := range c.t.sources(lenOperand(x), "") {
			if s.read != nil && catalog.Snake(readColumn(s, c.t.readOf(s.read).Stmt)) == u.Column {
				s.kept = true
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 || !c.returns(fn, written) {
		return nil
	}
	return out
}

var errorType = types.Universe.Lookup("error").Type()

// returns reports whether fn returns a value of one of the sources, a
// constant aside.
func (c *checker) returns(fn *ssa.Function, sources []source) bool {
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for _, r := range ret.Results {
			for _, s := range c.t.sources(r, "") {
				if _, constant := s.leaf.(string); s.leaf != nil && !constant && slices.Contains(sources, s) {
					return true
				}
			}
		}
	}
	return false
}

// readColumn returns the result field or column of a read a source is, ""
// when not known.
func readColumn(s source, read *catalog.Statement) string {
	if s.column == "" && len(read.Columns) == 1 && read.Columns[0] != "*" {
		return read.Columns[0]
	}
	return s.column
}

// txOf returns the transaction a call runs in, or nil.
func (c *checker) txOf(s stmtCall) *txn.Tx {
	if tx := c.txr.Of(s.Exec); tx != nil {
		return tx.Root()
	}
	if tx := c.txr.OfCall(s.instr.Common()); tx != nil {
		return tx.Root()
	}
	return nil
}

// sameHandle reports whether two calls use the same database handle that
// is not known to be a pool: a DBTX parameter the caller may bind to a
// transaction. Locks through it are given the benefit of the doubt.
func sameHandle(a, b stmtCall) bool {
	if a.Exec == nil || a.Exec != b.Exec {
		return false
	}
	return !apis.IsHandle(a.Exec.Type())
}

// protected reports whether the write w cannot lose an update made after
// the read r.
func (c *checker) protected(fn *ssa.Function, calls []stmtCall, r, w stmtCall) bool {
	txW, txR := c.txOf(w), c.txOf(r)
	sameTx := (txW != nil && txW == txR) || (txW == nil && txR == nil && sameHandle(r, w))
	if sameTx {
		if txW != nil && txW.Isolation.PreventsLostUpdate() {
			return true
		}
		// Options were given but cannot be read (a variable, a helper's
		// parameter): the author chose a level; stay silent.
		if txW != nil && optionsUnread(txW) {
			return true
		}
		if r.Stmt.Locks() {
			return true
		}
		if l := c.lockBefore(calls, r, w, txW); l != nil {
			return true
		}
		if c.lockedByRunner(txW, w.Stmt.Table) {
			return true
		}
	}
	// Compare-and-set on a value from the same read.
	for _, u := range w.Stmt.Uses {
		if u.Role != catalog.Predicate || u.Column == "" || isIdentity(u.Column, r.Stmt) {
			continue
		}
		v, field := w.Arg(u.Param)
		for _, s := range c.t.sources(v, field) {
			if s.read == r.instr {
				return true
			}
		}
	}
	return false
}

// optionsUnread reports whether tx was begun with transaction options that
// could not be evaluated, as opposed to none (Begin, BeginFunc) or a
// caller's transaction (a parameter, a context or a field: read committed
// unless the caller says otherwise).
func optionsUnread(tx *txn.Tx) bool {
	return (tx.Kind == txn.Begun || tx.Kind == txn.Callback) && tx.Isolation == txn.IsolationUnknown && !tx.NoOptions
}

// lockBefore returns a locking read of w's row, in w's transaction, that
// runs before r on every path, or nil.
func (c *checker) lockBefore(calls []stmtCall, r, w stmtCall, tx *txn.Tx) *stmtCall {
	for i, l := range calls {
		if !l.Stmt.Locks() || !l.Stmt.Touches(w.Stmt.Table) || !ssaorder.Before(l.instr, r.instr) || !c.mayLockRow(l, r, w) {
			continue
		}
		if tl := c.txOf(l); (tx != nil && tl == tx) || (tx == nil && tl == nil && sameHandle(l, w)) {
			return &calls[i]
		}
	}
	return nil
}

// lockAfter returns a locking read of w's table in w's transaction that
// runs after r and before w: the lock came too late for r's value.
func (c *checker) lockAfter(calls []stmtCall, r, w stmtCall) *stmtCall {
	tx := c.txOf(w)
	for i, l := range calls {
		if !l.Stmt.Locks() || !l.Stmt.Touches(w.Stmt.Table) || !ssaorder.Before(r.instr, l.instr) || !ssaorder.Before(l.instr, w.instr) || !c.mayLockRow(l, r, w) {
			continue
		}
		if tl := c.txOf(l); tx != nil && tl == tx {
			return &calls[i]
		}
	}
	return nil
}

// mayLockRow reports whether the lock l may hold the row w writes after r
// read it: a key l looks rows up by is one r looked the row up by or w
// writes it by, or l's keys are not all known values (parameters,
// constants, read columns). Only a lock evidently of another row
// (locks.Account(ctx, tx, from) before writing the row of id) is not.
func (c *checker) mayLockRow(l, r, w stmtCall) bool {
	locked := make(map[source]bool)
	for _, u := range l.Stmt.Uses {
		if u.Role != catalog.Predicate {
			continue
		}
		v, field := l.Arg(u.Param)
		if v == nil {
			return true
		}
		for _, s := range c.t.sources(v, field) {
			if !known(s) {
				return true
			}
			s.kept = false
			locked[s] = true
		}
	}
	if len(locked) == 0 {
		return true // no key: every row the WHERE finds, or all of them
	}
	for _, x := range []stmtCall{r, w} {
		for _, u := range x.Stmt.Uses {
			if u.Role != catalog.Predicate && u.Role != catalog.Value {
				continue
			}
			v, field := x.Arg(u.Param)
			for _, s := range c.t.sources(v, field) {
				s.kept = false
				if locked[s] {
					return true
				}
			}
		}
	}
	return false
}

// known reports whether a source is a value two statements can be told to
// share or not: a parameter, a constant, or a column of a read.
func known(s source) bool {
	if s.read != nil {
		return true
	}
	switch s.leaf.(type) {
	case string, *ssa.Parameter:
		return true
	}
	return false
}

// sameRow reports whether w evidently writes a row r read: a predicate (or
// key value) of w comes from r's result or from the same value r looked the
// row up with (the same field of it: not menu.ParentID for menu.ID).
func (c *checker) sameRow(r, w stmtCall) bool {
	type key struct {
		leaf   any
		column string
	}
	keys := make(map[key]bool)
	for _, u := range r.Stmt.Uses {
		if u.Role != catalog.Predicate {
			continue
		}
		v, field := r.Arg(u.Param)
		for _, s := range c.t.sources(v, field) {
			if s.leaf != nil {
				keys[key{s.leaf, s.column}] = true
			}
		}
	}
	for _, u := range w.Stmt.Uses {
		if u.Role != catalog.Predicate && u.Role != catalog.Value {
			continue
		}
		v, field := w.Arg(u.Param)
		for _, s := range c.t.sources(v, field) {
			if s.read == r.instr || (s.leaf != nil && keys[key{s.leaf, s.column}]) {
				return true
			}
		}
	}
	return false
}

func (c *checker) report(calls []stmtCall, e *stale, w stmtCall) {
	r := e.read
	fset := c.pass.Fset
	rline := fset.Position(r.instr.Pos()).Line
	verb := "is"
	if len(e.fields) > 1 {
		verb = "are"
	}
	var hint string
	txW, txR := c.txOf(w), c.txOf(r)
	switch l := c.lockAfter(calls, r, w); {
	case l != nil:
		hint = fmt.Sprintf("it was read before %s locked the row at line %d: read it after the lock", l.Name, fset.Position(l.instr.Pos()).Line)
	case r.Stmt.Locks() && txR == nil:
		hint = fmt.Sprintf("%s %s outside a transaction locks nothing: read and write in one transaction", r.Name, r.Stmt.Lock)
	case r.Stmt.Locks():
		hint = fmt.Sprintf("the %s lock is held by another transaction than the write's: read and write in one transaction", r.Stmt.Lock)
	case txW != nil && txW == txR:
		hint = "read it FOR UPDATE in this transaction, or let SQL compute it"
	case txW == nil && txR == nil:
		hint = "read it FOR UPDATE and write it in one transaction, or let SQL compute it"
	default:
		hint = "read it FOR UPDATE in the writing transaction, or let SQL compute it"
	}
	for _, col := range e.columns {
		if q := c.cat.AtomicUpdate(w.Call, w.Stmt.Table, col); q != "" && q != w.Name {
			hint += fmt.Sprintf("; %s computes %s in SQL", q, col)
			break
		}
	}
	msg := fmt.Sprintf("%s read by %s at line %d %s written back by %s (lost update: %s)",
		strings.Join(e.fields, ", "), r.Name, rline, verb, w.Name, hint)
	if e.fresh {
		msg = fmt.Sprintf("%s read by %s at line %d %s replaced by a fresh value when empty and written by %s (lost update: two callers can both find it empty, and the later write replaces the value the first one set; set it only where it is still empty, in the UPDATE's WHERE)",
			strings.Join(e.fields, ", "), r.Name, rline, verb, w.Name)
	}
	d := analysis.Diagnostic{
		Pos:      w.instr.Pos(),
		Category: "lostupdate",
		Message:  msg,
		URL:      URL,
		Related: []analysis.RelatedInformation{{
			Pos:     r.instr.Pos(),
			Message: fmt.Sprintf("%s read here by %s", strings.Join(e.fields, ", "), r.Name),
		}},
	}
	if !e.fresh {
		d.SuggestedFixes = c.atomicFix(e, w)
		if d.SuggestedFixes == nil && txW != nil && txW == txR && !r.Stmt.Locks() {
			d.SuggestedFixes = c.forUpdateFix(r)
		}
	}
	c.rep.Report(d)
}

// isIdentity reports whether a read's field or column identifies the row
// (id, *_id, or a column the read looked the row up by) rather than being
// state another transaction may change.
func isIdentity(name string, read *catalog.Statement) bool {
	col := catalog.Snake(name)
	if catalog.IsIdentity(col) {
		return true
	}
	for _, k := range read.Keys {
		if catalog.Snake(k) == col {
			return true
		}
	}
	return false
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
