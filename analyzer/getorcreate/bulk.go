package getorcreate

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/fixpoint"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// level is how a value depends on the rows of a many-row read.
type level uint8

const (
	// unrelated: the value does not depend on the rows.
	unrelated level = iota
	// copied: the value is read data or computed from it alone (an
	// element, a field, a set of the rows, arithmetic on them). Copying a
	// row is not a check.
	copied
	// decided: the value results from testing other data against the rows
	// (a set lookup, slices.Contains, a comparison, a filter) or was
	// computed only on one outcome of such a test.
	decided
)

// checkBulk reports plain INSERTs whose rows, or whose running at all, are
// decided by testing values against the rows a many-row read of the same
// table returned: the bulk form of check-then-insert.
func (c *checker) checkBulk(fn *ssa.Function, calls []stmtCall, reported map[ssa.CallInstruction]bool) {
	flows := make(map[ssa.CallInstruction]*rowFlow)
	for _, ins := range calls {
		st := ins.Stmt
		if reported[ins.instr] || st.Kind != catalog.Insert || st.Conflict != catalog.NoConflict || st.Table == "" {
			continue
		}
		for _, r := range calls {
			rows := firstResult(r)
			if rows == nil && r.Many {
				rows = r.Dest // an ORM's Find(&rows)
			}
			if r.Stmt.Kind != catalog.Read || r.Stmt.Table != st.Table || rows == nil || !(r.Many || r.Literal) || !ssaorder.Reachable(r.instr, ins.instr) {
				continue
			}
			f := flows[r.instr]
			if f == nil {
				f = newRowFlow(fn, rows)
				flows[r.instr] = f
			}
			filtered := f.decidesValues(ins)
			if !filtered && !f.guarded(ins.instr.Block()) {
				continue
			}
			// r itself running again (the next batch of a loop) is no
			// recovery from a unique violation.
			if c.retried(fn, r, ins) || c.rereadAfter(calls, ins, r.instr) {
				continue
			}
			c.reportBulk(r, ins, filtered)
			break
		}
	}
}

func (c *checker) reportBulk(r, ins stmtCall, filtered bool) {
	how := fmt.Sprintf("after checking values against %s at line %d", r.Name, c.line(r.instr.Pos()))
	if filtered {
		how = fmt.Sprintf("values filtered by %s at line %d", r.Name, c.line(r.instr.Pos()))
	}
	hint := "concurrent callers read the same rows and insert the same new values; insert with ON CONFLICT DO NOTHING in one statement"
	if r.Stmt.Lock != catalog.NoLock {
		hint = fmt.Sprintf("%s locks only rows that exist, so ", r.Stmt.Lock) + hint
	}
	hint += c.upsertSibling(ins)
	c.rep.Report(analysis.Diagnostic{
		Pos:      ins.instr.Pos(),
		Category: "getorcreate",
		Message:  fmt.Sprintf("%s inserts into %s %s (check-then-insert race: %s)", ins.Name, ins.Stmt.Table, how, hint),
		URL:      URL,
		Related: []analysis.RelatedInformation{{
			Pos:     r.instr.Pos(),
			Message: fmt.Sprintf("%s reads the rows the insert is checked against here", r.Name),
		}},
	})
}

// rowFlow is how the values of one function depend on the rows of one read.
type rowFlow struct {
	fn     *ssa.Function
	levels map[ssa.Value]level
	// tests are the blocks ending in a branch on a decided value.
	tests []*ssa.BasicBlock
	reach map[*ssa.BasicBlock][]bool // blocks reachable from a block, by index
}

// newRowFlow computes, to a fixed point, how every value of fn depends on
// rows, the first result of a read.
func newRowFlow(fn *ssa.Function, rows ssa.Value) *rowFlow {
	f := &rowFlow{fn: fn, levels: map[ssa.Value]level{rows: copied}}
	fixpoint.Iterate(0, func() bool {
		changed := false
		f.tests = f.tests[:0]
		for _, b := range fn.Blocks {
			if iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok && f.levels[iff.Cond] == decided {
				f.tests = append(f.tests, b)
			}
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if f.step(instr) {
					changed = true
				}
			}
		}
		return changed
	})
	return f
}

// raise lifts v to at least l and reports whether it changed.
func (f *rowFlow) raise(v ssa.Value, l level) bool {
	if v == nil || l <= f.levels[v] {
		return false
	}
	f.levels[v] = l
	return true
}

// raiseRoot lifts the local variable, map or slice that addr points into.
// Parameters, globals and free variables are left alone: the analysis sees
// one function.
func (f *rowFlow) raiseRoot(addr ssa.Value, l level) bool {
	for {
		switch a := addr.(type) {
		case *ssa.FieldAddr:
			addr = a.X
			continue
		case *ssa.IndexAddr:
			addr = a.X
			continue
		case *ssa.UnOp:
			if a.Op == token.MUL {
				addr = a.X
				continue
			}
		case *ssa.Parameter, *ssa.FreeVar, *ssa.Global, *ssa.Const:
			return false
		}
		return f.raise(addr, l)
	}
}

// step applies one instruction and reports whether a level rose.
func (f *rowFlow) step(instr ssa.Instruction) bool {
	onTest := unrelated
	if f.guarded(instr.Block()) {
		onTest = decided
	}
	switch in := instr.(type) {
	case *ssa.Store:
		return f.raiseRoot(in.Addr, max(f.levels[in.Val], onTest))
	case *ssa.MapUpdate:
		return f.raiseRoot(in.Map, max(f.levels[in.Key], f.levels[in.Value], onTest))
	case *ssa.Phi:
		// Which edge a merge took tells which way a test went; at a loop
		// head it tells only whether the loop was entered or went round.
		head := loopHeader(in.Block())
		l := unrelated
		for i, e := range in.Edges {
			l = max(l, f.levels[e])
			if !head && f.decidedEdge(in.Block().Preds[i]) {
				l = decided
			}
		}
		return f.raise(in, l)
	case *ssa.BinOp:
		if isError(in.X.Type()) || isError(in.Y.Type()) {
			return false // err != nil tests for failure, not for rows
		}
		return f.raise(in, f.compare(in.X, in.Y, isComparison(in.Op)))
	case *ssa.Lookup:
		return f.raise(in, f.compare(in.X, in.Index, true))
	case *ssa.Call:
		return f.call(in)
	case *ssa.Extract:
		if isError(in.Type()) {
			return false
		}
		return f.raise(in, f.levels[in.Tuple])
	case *ssa.UnOp:
		return f.raise(in, f.levels[in.X])
	case *ssa.Field:
		return f.raise(in, f.levels[in.X])
	case *ssa.FieldAddr:
		return f.raise(in, f.levels[in.X])
	case *ssa.Index:
		return f.raise(in, max(f.levels[in.X], f.levels[in.Index]))
	case *ssa.IndexAddr:
		return f.raise(in, max(f.levels[in.X], f.levels[in.Index]))
	case *ssa.Slice:
		return f.raise(in, f.levels[in.X])
	case *ssa.Convert:
		return f.raise(in, f.levels[in.X])
	case *ssa.ChangeType:
		return f.raise(in, f.levels[in.X])
	case *ssa.MakeInterface:
		return f.raise(in, f.levels[in.X])
	case *ssa.ChangeInterface:
		return f.raise(in, f.levels[in.X])
	case *ssa.TypeAssert:
		return f.raise(in, f.levels[in.X])
	case *ssa.Range:
		return f.raise(in, f.levels[in.X])
	case *ssa.Next:
		return f.raise(in, f.levels[in.Iter])
	case *ssa.MakeClosure:
		l := unrelated
		for _, b := range in.Bindings {
			l = max(l, f.levels[b])
		}
		return f.raise(in, l)
	}
	return false
}

// compare is the level of an operation on x and y: testing one against the
// other (a comparison, a map lookup) decides when exactly one side depends
// on the rows and the other is not a constant.
func (f *rowFlow) compare(x, y ssa.Value, test bool) level {
	lx, ly := f.levels[x], f.levels[y]
	if lx == decided || ly == decided {
		return decided
	}
	if test && (lx == copied) != (ly == copied) && !isConst(x) && !isConst(y) {
		return decided
	}
	return max(lx, ly)
}

// call applies a call: len and cap only count the rows; append copies;
// delete(m, k) with k from the rows removes them from m; Scan on the rows
// copies a row into its destinations; any other function given rows and
// other data is taken to test one against the other.
func (f *rowFlow) call(call *ssa.Call) bool {
	common := call.Common()
	if b, ok := common.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "len", "cap":
			return false
		case "append":
			l := unrelated
			for _, a := range common.Args {
				l = max(l, f.levels[a])
			}
			return f.raise(call, l)
		case "delete":
			if len(common.Args) == 2 && f.levels[common.Args[1]] != unrelated && f.levels[common.Args[0]] == unrelated {
				return f.raiseRoot(common.Args[0], decided)
			}
		}
		return false
	}
	if common.IsInvoke() && common.Method.Name() == "Scan" && f.levels[common.Value] != unrelated {
		changed := false
		for _, a := range scanDests(common.Args) {
			if f.raiseRoot(catalog.Underlying(a), copied) {
				changed = true
			}
		}
		return changed
	}
	args := common.Args
	if common.IsInvoke() {
		args = append([]ssa.Value{common.Value}, args...)
	} else if _, ok := common.Value.(*ssa.Function); !ok {
		args = append([]ssa.Value{common.Value}, args...) // a closure's bindings
	}
	rows, other := unrelated, false
	for _, a := range args {
		switch l := f.levels[a]; {
		case l != unrelated:
			rows = max(rows, l)
		case !isConst(a) && !isContext(a.Type()):
			other = true
		}
	}
	if rows == copied && other {
		rows = decided
	}
	return f.raise(call, rows)
}

// decidedEdge reports whether control leaves pred only on some outcomes of
// a test against the rows.
func (f *rowFlow) decidedEdge(pred *ssa.BasicBlock) bool {
	if f.guarded(pred) {
		return true
	}
	iff, ok := pred.Instrs[len(pred.Instrs)-1].(*ssa.If)
	return ok && f.levels[iff.Cond] == decided
}

// guarded reports whether b runs only on some outcomes of a test against
// the rows: it lies under a branch taken only on one outcome while another
// outcome goes on, or one outcome returns without ever running b (a match
// returns early) while another goes on to b. An outcome that can only panic
// (a failed assertion, t.Fatal) is no decision.
func (f *rowFlow) guarded(b *ssa.BasicBlock) bool {
	for _, t := range f.tests {
		for _, s := range t.Succs {
			for _, other := range t.Succs {
				if other == s || !f.returns(other) {
					continue
				}
				if len(s.Preds) == 1 && s.Dominates(b) {
					return true
				}
				if !f.reaches(other, b) && f.reaches(s, b) {
					return true
				}
			}
		}
	}
	return false
}

// returns reports whether a return may run after block a.
func (f *rowFlow) returns(a *ssa.BasicBlock) bool {
	for _, b := range f.fn.Blocks {
		if _, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && f.reaches(a, b) {
			return true
		}
	}
	return false
}

// reaches reports whether b may run after a (or is a).
func (f *rowFlow) reaches(a, b *ssa.BasicBlock) bool {
	if a == b {
		return true
	}
	if f.reach == nil {
		f.reach = make(map[*ssa.BasicBlock][]bool)
	}
	after, ok := f.reach[a]
	if !ok {
		after = ssaorder.BlocksAfter(a)
		f.reach[a] = after
	}
	return after[b.Index]
}

// decidesValues reports whether a value the insert writes was decided by a
// test against the rows.
func (f *rowFlow) decidesValues(ins stmtCall) bool {
	for n := 1; n <= ins.Stmt.NumParams; n++ {
		if v, _ := ins.Arg(n); v != nil && f.levels[v] == decided {
			return true
		}
	}
	return false
}

// scanDests returns the destinations passed to Scan: the arguments, with
// the ...any slice SSA builds opened up into the values stored in it.
func scanDests(args []ssa.Value) []ssa.Value {
	var out []ssa.Value
	for _, a := range args {
		sl, ok := a.(*ssa.Slice)
		if !ok {
			out = append(out, a)
			continue
		}
		for _, ref := range catalog.Referrers(sl.X) {
			ia, ok := ref.(*ssa.IndexAddr)
			if !ok {
				continue
			}
			for _, r := range catalog.Referrers(ia) {
				if st, ok := r.(*ssa.Store); ok && st.Addr == ia {
					out = append(out, st.Val)
				}
			}
		}
	}
	return out
}

func isComparison(op token.Token) bool {
	switch op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	}
	return false
}

func isConst(v ssa.Value) bool {
	_, ok := v.(*ssa.Const)
	return ok
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}
