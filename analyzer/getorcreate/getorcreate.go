package getorcreate

import (
	_ "embed"
	"fmt"
	"go/constant"
	"go/token"
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
const URL = "https://github.com/lockstep-dev/lockstep#getorcreate"

// Analyzer reports get-or-create races and statements after a failure.
var Analyzer = &analysis.Analyzer{
	Name:      "getorcreate",
	Doc:       analyzerdoc.Extract(doc, "getorcreate"),
	URL:       URL,
	Requires:  []*analysis.Analyzer{catalog.Analyzer, txn.Analyzer, apis.Analyzer},
	FactTypes: []analysis.Fact{new(MissFact)},
	Run:       run,
}

type checker struct {
	pass    *analysis.Pass
	cat     *catalog.Catalog
	txr     *txn.Result
	drivers *apis.Uses
	rep     *ignore.Reporter
	// misses are the MissFacts of this package and its dependencies.
	misses map[*types.Func]*MissFact
}

type stmtCall struct {
	instr ssa.CallInstruction
	*catalog.Call
}

func run(pass *analysis.Pass) (any, error) {
	cat := pass.ResultOf[catalog.Analyzer].(*catalog.Catalog)
	if !cat.Relevant {
		return nil, nil
	}
	c := &checker{
		pass:    pass,
		cat:     cat,
		txr:     pass.ResultOf[txn.Analyzer].(*txn.Result),
		drivers: pass.ResultOf[apis.Analyzer].(*apis.Uses),
		rep:     ignore.New(pass),
		misses:  make(map[*types.Func]*MissFact),
	}
	defer c.rep.Finish()
	c.importMisses()
	func() {
		defer func() { _ = recover() }()
		c.missFacts()
	}()
	for _, fn := range c.txr.SrcFuncs {
		calls := c.calls(fn)
		if len(calls) == 0 {
			continue
		}
		// An unexpected SSA shape costs one function's findings, never
		// the vet run.
		func() {
			defer func() { _ = recover() }()
			c.checkBulk(fn, calls, c.checkInsert(fn, calls))
			c.checkAborted(fn, calls)
		}()
	}
	return nil, nil
}

func (c *checker) calls(fn *ssa.Function) []stmtCall {
	var out []stmtCall
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if ci, ok := instr.(ssa.CallInstruction); ok {
				if call := c.cat.Of(ci.Common()); call != nil {
					out = append(out, stmtCall{ci, call})
				}
			}
		}
	}
	return out
}

func (c *checker) txOf(s stmtCall) *txn.Tx {
	if tx := c.txr.Of(s.Exec); tx != nil {
		return tx
	}
	return c.txr.OfCall(s.instr.Common())
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }

// checkInsert reports plain INSERTs that run only when a read of the same
// table found nothing, and returns them.
func (c *checker) checkInsert(fn *ssa.Function, calls []stmtCall) map[ssa.CallInstruction]bool {
	reported := make(map[ssa.CallInstruction]bool)
	for _, ins := range calls {
		st := ins.Stmt
		if st.SavesNew {
			if r := filledBy(calls, ins); r != nil {
				c.reportInsert(*r, ins, "found no row")
				reported[ins.instr] = true
			}
			continue
		}
		if st.Kind != catalog.Insert || st.Conflict != catalog.NoConflict || st.Table == "" {
			continue
		}
		if st.ReadFirst {
			c.reportInsert(ins, ins, ownRead)
			reported[ins.instr] = true
			continue
		}
		reread := c.rereadAfter(calls, ins, nil)
		for _, r := range calls {
			if r.Stmt.Kind != catalog.Read || r.Stmt.Table != st.Table {
				continue
			}
			how := c.missBranchTo(fn, r, ins.instr)
			if how == "" || c.retried(fn, r, ins) || reread && !c.rereadOnlyNextRound(fn, calls, r, ins) {
				continue
			}
			c.reportInsert(r, ins, how)
			reported[ins.instr] = true
			break
		}
	}
	return reported
}

// filledBy returns the read that filled the value a save writes when it
// found no row (GORM's FirstOrInit, then Save: the save inserts it), or
// nil.
func filledBy(calls []stmtCall, save stmtCall) *stmtCall {
	for i, r := range calls {
		if r.Stmt.FillsMissing && r.Dest != nil && r.Dest == save.Dest && r.Stmt.Table == save.Stmt.Table && ssaorder.Reachable(r.instr, save.instr) {
			return &calls[i]
		}
	}
	return nil
}

// missBranchTo returns how the read r is seen to find nothing ("ErrNoRows",
// "an empty result", ...) when every path to at, or every path from r to
// at when r runs on some paths only (if permanent { lookup }), passes a
// branch taken only in that case, or "". A sign of its own wins over "an
// error" around it (if err != nil { if errors.Is(err, pgx.ErrNoRows) { ... } }).
func (c *checker) missBranchTo(fn *ssa.Function, r stmtCall, at ssa.Instruction) string {
	found := ""
	for _, blk := range fn.Blocks {
		iff, ok := blk.Instrs[len(blk.Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		succ, how := c.missEdge(r, iff)
		if succ < 0 {
			continue
		}
		target := blk.Succs[succ]
		if len(target.Preds) != 1 {
			continue
		}
		if target.Dominates(at.Block()) || ssaorder.Reachable(target.Instrs[0], at) && !ssaorder.ReachableAvoiding(r.instr, at, target.Instrs[0]) {
			if how != anyError {
				return how
			}
			found = how
		}
	}
	return found
}

// anyError is how a one-row read is seen to find nothing when its error is
// only tested non-nil.
const anyError = "an error"

// missEdge returns which successor of iff is taken when the read r found no
// row, and how that is seen, or -1.
func (c *checker) missEdge(r stmtCall, iff *ssa.If) (int, string) {
	if e, how := c.probeEdge(r, iff); e >= 0 {
		return e, how
	}
	if e := c.helperMissEdge(r, iff); e >= 0 {
		return e, c.missFact(r).how()
	}
	errV := errorOf(r)
	rows := firstResult(r)
	switch cond := iff.Cond.(type) {
	case *ssa.Call:
		common := cond.Common()
		if isErrorsIs(common) && errV != nil && same(common.Args[0], errV) && isNoRows(common.Args[1]) {
			return 0, "ErrNoRows"
		}
		if isNext(common, rows) && !loopHeader(iff.Block()) {
			return 1, "rows.Next() false"
		}
	case *ssa.BinOp:
		x, y := cond.X, cond.Y
		if isNilConst(x) || isNoRows(x) || isIntConst(x) || catalog.IsZeroConst(x) {
			x, y = y, x
		}
		switch {
		case catalog.IsZeroConst(y) && c.zeroAfterRead(r, x, iff):
			return eqEdge(cond.Op), zeroDest
		case errV != nil && same(x, errV) && isNoRows(y):
			return eqEdge(cond.Op), "ErrNoRows"
		case errV != nil && same(x, errV) && isNilConst(y):
			// err != nil on a :one read: any error, most often no rows.
			if cond.Op == token.NEQ {
				return 0, anyError
			}
			if cond.Op == token.EQL {
				return 1, anyError
			}
		case (rows != nil && isLenOf(x, rows) || isLenOfDest(x, r) || isRowsAffected(x, r)) && isIntConst(y):
			n, _ := constant.Int64Val(y.(*ssa.Const).Value)
			op := cond.Op
			if x != cond.X { // the constant was on the left: mirror
				op = mirror(op)
			}
			if e := zeroEdge(op, n); e >= 0 {
				return e, "an empty result"
			}
		}
	}
	return -1, ""
}

// zeroEdge returns which successor of a test "x op n" of a count x is
// taken when x is 0, and only then (x == 0, x < 1, the false branch of
// x > 0), or -1.
func zeroEdge(op token.Token, n int64) int {
	switch {
	case (op == token.EQL && n == 0) || (op == token.LEQ && n == 0) || (op == token.LSS && n == 1):
		return 0
	case (op == token.NEQ && n == 0) || (op == token.GTR && n == 0) || (op == token.GEQ && n == 1):
		return 1
	}
	return -1
}

func eqEdge(op token.Token) int {
	if op == token.EQL {
		return 0
	}
	if op == token.NEQ {
		return 1
	}
	return -1
}

func mirror(op token.Token) token.Token {
	switch op {
	case token.LSS:
		return token.GTR
	case token.GTR:
		return token.LSS
	case token.LEQ:
		return token.GEQ
	case token.GEQ:
		return token.LEQ
	}
	return op
}

// retried reports whether the read and the insert run in a transaction
// begun inside a loop of this function: a retry around a fresh transaction.
func (c *checker) retried(fn *ssa.Function, r, ins stmtCall) bool {
	tx := c.txOf(ins)
	if tx == nil || tx.Fn != fn || tx.Kind != txn.Begun || tx.BeginCall() == nil {
		return false
	}
	return inLoop(tx.BeginCall().Block())
}

// rereadAfter reports whether a read of the inserted table, other than
// skip, may run after the insert: the classic "insert, on unique violation
// read again" outside a transaction. (Inside one, checkAborted reports the
// read.)
func (c *checker) rereadAfter(calls []stmtCall, ins stmtCall, skip ssa.CallInstruction) bool {
	for _, r := range calls {
		if r.instr != skip && r.Stmt.Kind == catalog.Read && r.Stmt.Table == ins.Stmt.Table && ssaorder.Reachable(ins.instr, r.instr) {
			return true
		}
	}
	return false
}

// rereadOnlyNextRound reports whether the only read of the inserted table
// that may follow the insert is r itself, run again in the next round of
// a loop, and not where the insert failed: the next item's lookup, not a
// fallback read after a unique violation.
func (c *checker) rereadOnlyNextRound(fn *ssa.Function, calls []stmtCall, r, ins stmtCall) bool {
	if c.rereadAfter(calls, ins, r.instr) {
		return false
	}
	errV := errorOf(ins)
	if errV == nil {
		return false
	}
	for _, b := range fn.Blocks {
		iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok || !ssaorder.Reachable(ins.instr, iff) {
			continue
		}
		if e := nonNilEdge(iff, errV); e >= 0 {
			failed := b.Succs[e]
			return !ssaorder.Reachable(failed.Instrs[0], r.instr)
		}
	}
	return false
}

// ownRead is how an insert that reads first (GORM's FirstOrCreate) finds
// no row.
const ownRead = "its own read"

func (c *checker) reportInsert(r, ins stmtCall, how string) {
	what := "found no row"
	switch how {
	case "an empty result":
		what = "returned no rows"
	case zeroCount:
		what = "counted no rows"
	case existsFalse:
		what = "found no row (EXISTS false)"
	}

	hint := "two callers can both miss and both insert; insert with ON CONFLICT in one statement"
	if r.Stmt.Lock != catalog.NoLock {
		hint = fmt.Sprintf("%s on a missing row locks nothing, so ", r.Stmt.Lock) + hint
	}
	hint += c.upsertSibling(ins)
	msg := fmt.Sprintf("%s inserts into %s after %s at line %d %s (get-or-create race: %s)",
		ins.Name, ins.Stmt.Table, r.Name, c.line(r.instr.Pos()), what, hint)
	if how == ownRead {
		msg = fmt.Sprintf("%s inserts into %s when its own read finds no row (get-or-create race: %s)", ins.Name, ins.Stmt.Table, hint)
	}
	c.rep.Report(analysis.Diagnostic{
		Pos:      ins.instr.Pos(),
		Category: "getorcreate",
		Message:  msg,
		URL:      URL,
		Related: []analysis.RelatedInformation{{
			Pos:     r.instr.Pos(),
			Message: fmt.Sprintf("%s checks for the row here", r.Name),
		}},
	})
}

// upsertSibling names a query beside ins that inserts into the same table
// with ON CONFLICT, as " (Name does)", or returns "".
func (c *checker) upsertSibling(ins stmtCall) string {
	q := c.cat.Sibling(ins.Call, func(s *catalog.Statement) bool {
		return s.Kind == catalog.Insert && s.Conflict != catalog.NoConflict && s.Table == ins.Stmt.Table
	})
	if q == "" {
		return ""
	}
	return " (" + q + " does)"
}

// checkAborted reports a statement run in a transaction after an earlier
// statement of the transaction failed, with no rollback to a savepoint in
// between.
func (c *checker) checkAborted(fn *ssa.Function, calls []stmtCall) {
	reported := make(map[ssa.CallInstruction]bool)
	for _, first := range calls {
		tx := c.txOf(first)
		errV := errorOf(first)
		// A Maybe transaction may be the pool: nothing is aborted there.
		if tx == nil || tx.Kind == txn.Maybe || errV == nil || !c.aborts(tx, first) {
			continue
		}
		for _, b := range fn.Blocks {
			iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
			if !ok {
				continue
			}
			succ, server := failEdge(iff, errV)
			if succ < 0 || !first.Literal && isOwnErrorTest(iff, errV) {
				continue // a wrapper's own error is no known failure (see afterFailure)
			}
			// A one-row read that finds nothing returns ErrNoRows, made up
			// by the client: its error is a failed statement only once the
			// code has told the two apart.
			failed := server || !missIsNoRows(first)
			next := c.afterFailure(failure{b.Succs[succ], failed}, first, tx, errV, calls)
			if next == nil || reported[next.instr] {
				continue
			}
			reported[next.instr] = true
			c.rep.Report(analysis.Diagnostic{
				Pos:      next.instr.Pos(),
				Category: "getorcreate",
				Message: fmt.Sprintf("%s runs in the transaction after %s at line %d failed (PostgreSQL aborted the transaction: every statement fails until ROLLBACK; run %s in a savepoint%s and roll back to it, or return the error)",
					next.Name, first.Name, c.line(first.instr.Pos()), first.Name, savepointHint(tx)),
				URL: URL,
				Related: []analysis.RelatedInformation{{
					Pos:     first.instr.Pos(),
					Message: fmt.Sprintf("%s fails here", first.Name),
				}},
			})
		}
	}
}

// aborts reports whether the failure of first aborts tx, as in PostgreSQL;
// SQLite and MySQL undo only the statement. A pgx transaction is
// PostgreSQL's; for database/sql, SQL with ? placeholders is not, and
// otherwise the drivers in sight decide.
func (c *checker) aborts(tx *txn.Tx, first stmtCall) bool {
	for _, t := range handleTypes(tx) {
		if apis.IsPostgreSQL(t) {
			return true
		}
	}
	return !first.Stmt.QuestionParams && c.drivers.AbortsOnError()
}

// savepointHint names, as " (how)", how the library of tx takes a
// savepoint, or returns "".
func savepointHint(tx *txn.Tx) string {
	for _, t := range handleTypes(tx) {
		if sp := apis.SavepointOf(t); sp != "" {
			return " (" + sp + ")"
		}
	}
	return ""
}

// handleTypes returns the types tx may be handed out as: the results of
// the call that begins it, the parameter it is received as, or the
// parameters of the callback it encloses.
func handleTypes(tx *txn.Tx) []types.Type {
	var out []types.Type
	switch {
	case tx.BeginCall() != nil:
		res := tx.BeginCall().(ssa.CallInstruction).Common().Signature().Results()
		for i := 0; i < res.Len(); i++ {
			out = append(out, res.At(i).Type())
		}
	case tx.Fn != nil:
		for _, p := range tx.Fn.Params {
			if tx.Kind == txn.Callback || p.Pos() == tx.Pos {
				out = append(out, p.Type())
			}
		}
	}
	return out
}

// missIsNoRows reports whether s is a one-row read (a sqlc :one query,
// QueryRow, sqlx's Get, a wrapper of one), whose error is ErrNoRows when
// no row matches.
func missIsNoRows(s stmtCall) bool {
	return s.Stmt.Kind == catalog.Read && (s.One || s.Stmt.Cmd == ":one")
}

// failEdge returns the successor of iff taken when errV is an error
// (err != nil, errors.As, errors.Is other than ErrNoRows), or -1, and
// whether that branch knows the error came from the server (errors.As).
func failEdge(iff *ssa.If, errV ssa.Value) (succ int, server bool) {
	if succ := nonNilEdge(iff, errV); succ >= 0 {
		return succ, false
	}
	if cond, ok := iff.Cond.(*ssa.Call); ok {
		common := cond.Common()
		if isFunc(common, "errors", "As") && same(common.Args[0], errV) {
			return 0, true
		}
		if isErrorsIs(common) && same(common.Args[0], errV) && !isNoRows(common.Args[1]) {
			return 0, false
		}
	}
	return -1, false
}

// nonNilEdge returns the successor of iff taken when errV is not nil, if
// iff compares errV with nil, or -1.
func nonNilEdge(iff *ssa.If, errV ssa.Value) int {
	cond, ok := iff.Cond.(*ssa.BinOp)
	if !ok {
		return -1
	}
	x, y := cond.X, cond.Y
	if isNilConst(x) {
		x, y = y, x
	}
	if same(x, errV) && isNilConst(y) {
		if e := eqEdge(cond.Op); e >= 0 {
			return e ^ 1
		}
	}
	return -1
}

// failure is a block entered after a statement returned an error; failed
// is set once the error is known not to be "no rows".
type failure struct {
	b      *ssa.BasicBlock
	failed bool
}

// afterFailure searches the blocks reachable from start for a statement in
// first's transaction run while its error is known to be a failure. It
// stops at a rollback or an end of the transaction and at the call that
// begins it again (a loop with a fresh transaction per iteration), and
// leaves out the branches where the error is nil or "no rows".
func (c *checker) afterFailure(start failure, first stmtCall, tx *txn.Tx, errV ssa.Value, calls []stmtCall) *stmtCall {
	byInstr := make(map[ssa.Instruction]*stmtCall)
	for i := range calls {
		byInstr[calls[i].instr] = &calls[i]
	}
	begin := tx.Root().BeginCall()
	seen := make(map[failure]bool)
	work := []failure{start}
	for len(work) > 0 {
		at := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[at] {
			continue
		}
		seen[at] = true
		stop := false
		for _, instr := range at.b.Instrs {
			ci, ok := instr.(ssa.CallInstruction)
			if !ok {
				continue
			}
			if _, isDefer := instr.(*ssa.Defer); isDefer {
				continue
			}
			if instr == begin || c.rollsBack(ci, tx) {
				stop = true
				break
			}
			if s := byInstr[instr]; s != nil && at.failed {
				if t := c.txOf(*s); t != nil && t.Root() == tx.Root() {
					return s
				}
			}
		}
		if stop {
			continue
		}
		succs := at.b.Succs
		if iff, ok := at.b.Instrs[len(at.b.Instrs)-1].(*ssa.If); ok {
			switch noRows, _ := c.missEdge(first, iff); {
			case nonNilEdge(iff, errV) >= 0:
				// Known not nil here: the success branch is not taken.
				succs = []*ssa.BasicBlock{at.b.Succs[nonNilEdge(iff, errV)]}
			case noRows >= 0 && isNoRowsTest(iff, errV):
				// The failure was "no rows" on one branch: the transaction is
				// fine there, and failed on the other.
				work = append(work, failure{at.b.Succs[1-noRows], true})
				continue
			case !first.Literal && isOwnErrorTest(iff, errV):
				// A wrapper's own error (ErrNotFound when it deleted no
				// row) may be made up by it: the transaction is not known
				// to have failed where the error is that one.
				work = append(work, failure{at.b.Succs[0], false}, failure{at.b.Succs[1], at.failed})
				continue
			default:
				if _, server := failEdge(iff, errV); server {
					work = append(work, failure{at.b.Succs[0], true}, failure{at.b.Succs[1], at.failed})
					continue
				}
			}
		}
		for _, s := range succs {
			work = append(work, failure{s, at.failed})
		}
	}
	return nil
}

// isOwnErrorTest reports whether iff is errors.Is(errV, e) with e an error
// of the program's own, not of a library.
func isOwnErrorTest(iff *ssa.If, errV ssa.Value) bool {
	cond, ok := iff.Cond.(*ssa.Call)
	if !ok || !isErrorsIs(cond.Common()) || !same(cond.Common().Args[0], errV) {
		return false
	}
	load, ok := catalog.Underlying(cond.Common().Args[1]).(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return false
	}
	g, ok := load.X.(*ssa.Global)
	return ok && g.Pkg != nil && !apis.Own(g.Pkg.Pkg.Path())
}

// isNoRowsTest reports whether iff tests errV for ErrNoRows.
func isNoRowsTest(iff *ssa.If, errV ssa.Value) bool {
	switch cond := iff.Cond.(type) {
	case *ssa.Call:
		common := cond.Common()
		return isErrorsIs(common) && same(common.Args[0], errV) && isNoRows(common.Args[1])
	case *ssa.BinOp:
		return (same(cond.X, errV) && isNoRows(cond.Y)) || (same(cond.Y, errV) && isNoRows(cond.X))
	}
	return false
}

// rollsBack reports whether ci ends the failed part of tx: Rollback of tx or
// of a savepoint in it, ROLLBACK [TO SAVEPOINT] as literal SQL, or another
// end of tx or of the transactions around it.
func (c *checker) rollsBack(ci ssa.CallInstruction, tx *txn.Tx) bool {
	common := ci.Common()
	if apis.IsRollback(catalog.Callee(common)) {
		return true
	}
	for t := tx; t != nil; t = t.Parent {
		if slices.Contains(t.Ends(), ssa.Instruction(ci)) {
			return true // Commit, a commit function, a helper that ends it
		}
	}
	for _, a := range common.Args {
		if k, ok := a.(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.String {
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(constant.StringVal(k.Value))), "ROLLBACK") {
				return true
			}
		}
	}
	return false
}

// errorOf returns the error result of a statement call: the last result
// when it is an error, or the result of Scan on a QueryRow's row.
func errorOf(s stmtCall) ssa.Value {
	call, ok := s.instr.(*ssa.Call)
	if !ok {
		return nil
	}
	res := call.Common().Signature().Results()
	if res.Len() == 0 {
		return nil
	}
	if isError(res.At(res.Len() - 1).Type()) {
		if res.Len() == 1 {
			return call
		}
		for _, ref := range catalog.Referrers(call) {
			if ex, ok := ref.(*ssa.Extract); ok && ex.Index == res.Len()-1 {
				return ex
			}
		}
		return nil
	}
	// An ORM call: the error is a field of the handle it returns.
	if res.Len() == 1 && apis.ORMOf(res.At(0).Type()) != nil {
		return handleField(call, apis.ORMOf(res.At(0).Type()).ErrorField)
	}
	// QueryRow: the error comes from Scan (or sqlx's StructScan).
	for _, ref := range catalog.Referrers(call) {
		if sc, ok := ref.(*ssa.Call); ok && sc.Common().IsInvoke() && sc.Common().Method.Name() == "Scan" && sc.Common().Value == call {
			return sc
		}
		if sc, ok := ref.(*ssa.Call); ok && !sc.Common().IsInvoke() && len(sc.Common().Args) > 0 && sc.Common().Args[0] == call {
			if f := sc.Common().StaticCallee(); f != nil && (f.Name() == "Scan" || apis.IsStructScan(catalog.Callee(sc.Common()))) {
				return sc
			}
		}
	}
	return nil
}

// handleField returns the first load of field name of the ORM handle an
// ORM call returns (its Error), or nil.
func handleField(call *ssa.Call, name string) ssa.Value {
	for _, ref := range catalog.Referrers(call) {
		fa, ok := ref.(*ssa.FieldAddr)
		if !ok || fieldName(fa) != name {
			continue
		}
		for _, fr := range catalog.Referrers(fa) {
			if load, ok := fr.(*ssa.UnOp); ok && load.Op == token.MUL {
				return load
			}
		}
	}
	return nil
}

func fieldName(fa *ssa.FieldAddr) string {
	p, ok := fa.X.Type().Underlying().(*types.Pointer)
	if !ok {
		return ""
	}
	st, ok := p.Elem().Underlying().(*types.Struct)
	if !ok {
		return ""
	}
	return st.Field(fa.Field).Name()
}

// isRowsAffected reports whether v is the count of rows of the ORM read r
// (Find(&rows).RowsAffected == 0: an empty result).
func isRowsAffected(v ssa.Value, r stmtCall) bool {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return false
	}
	fa, ok := load.X.(*ssa.FieldAddr)
	if call, isCall := r.instr.(*ssa.Call); !ok || !isCall || fa.X != ssa.Value(call) {
		return false
	}
	orm := apis.ORMOf(fa.X.Type())
	return orm != nil && fieldName(fa) == orm.RowsField
}

// firstResult returns the first result of a call returning several (the
// rows of a :many query or of Query), or nil.
func firstResult(s stmtCall) ssa.Value {
	call, ok := s.instr.(*ssa.Call)
	if !ok || call.Common().Signature().Results().Len() < 2 {
		return nil
	}
	for _, ref := range catalog.Referrers(call) {
		if ex, ok := ref.(*ssa.Extract); ok && ex.Index == 0 {
			return ex
		}
	}
	return nil
}

// same reports whether v is x, looking through phis that merge x with
// itself, interface conversions and a variable x was stored in.
func same(v, x ssa.Value) bool {
	v = catalog.Underlying(v)
	if sv := storedValue(v); sv != nil {
		v = catalog.Underlying(sv) // err, a named result a deferred wrap(&err) keeps in a variable
	}
	return v == x
}

func isNilConst(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.IsNil()
}

func isIntConst(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.Value != nil && k.Value.Kind() == constant.Int
}

// isNoRows reports whether v is an error meaning "no row" (pgx.ErrNoRows,
// sql.ErrNoRows: apis.Library.NotFound).
func isNoRows(v ssa.Value) bool {
	v = catalog.Underlying(v)
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return false
	}
	g, ok := load.X.(*ssa.Global)
	return ok && g.Pkg != nil && apis.IsNotFound(g.Pkg.Pkg.Path(), g.Name())
}

func isErrorsIs(common *ssa.CallCommon) bool {
	return isFunc(common, "errors", "Is") && len(common.Args) == 2
}

func isFunc(common *ssa.CallCommon, pkg, name string) bool {
	f := common.StaticCallee()
	return f != nil && f.Pkg != nil && f.Pkg.Pkg.Path() == pkg && f.Name() == name && f.Signature.Recv() == nil
}

// isNext reports whether common is rows.Next() on the given rows.
func isNext(common *ssa.CallCommon, rows ssa.Value) bool {
	if rows == nil {
		return false
	}
	if common.IsInvoke() {
		return common.Method.Name() == "Next" && common.Value == rows
	}
	f := common.StaticCallee()
	return f != nil && f.Name() == "Next" && len(common.Args) == 1 && catalog.Underlying(common.Args[0]) == rows
}

// isLenOf reports whether v is len(rows).
func isLenOf(v, rows ssa.Value) bool {
	call, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	b, ok := call.Common().Value.(*ssa.Builtin)
	return ok && b.Name() == "len" && len(call.Common().Args) == 1 && call.Common().Args[0] == rows
}

// isLenOfDest reports whether v is len(*dest) of the destination a
// many-row literal read scanned into (sqlx's Select(&ids, ...)).
func isLenOfDest(v ssa.Value, r stmtCall) bool {
	if r.Dest == nil || r.One || !r.Literal {
		return false
	}
	call, ok := v.(*ssa.Call)
	if !ok || len(call.Common().Args) != 1 {
		return false
	}
	b, ok := call.Common().Value.(*ssa.Builtin)
	load, isLoad := call.Common().Args[0].(*ssa.UnOp)
	return ok && b.Name() == "len" && isLoad && load.Op == token.MUL && load.X == r.Dest
}

// loopHeader reports whether b is the head of a loop (for rows.Next()).
func loopHeader(b *ssa.BasicBlock) bool {
	for _, p := range b.Preds {
		if b.Dominates(p) {
			return true
		}
	}
	return false
}

// inLoop reports whether b lies on a cycle.
func inLoop(b *ssa.BasicBlock) bool {
	return ssaorder.BlocksAfter(b)[b.Index]
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
