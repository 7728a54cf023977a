package getorcreate

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// How a probe read (SELECT count(*) ..., SELECT EXISTS (...)) is seen to
// find nothing.
const (
	zeroCount   = "a count of 0"
	existsFalse = "EXISTS false"
)

// probeEdge returns which successor of iff is taken when the probe read r
// found no matching row (its count is 0, its EXISTS false), and how that
// is seen, or -1.
func (c *checker) probeEdge(r stmtCall, iff *ssa.If) (int, string) {
	if r.Stmt.Kind != catalog.Read || r.Stmt.Probe == catalog.NoProbe || r.Many {
		return -1, ""
	}
	isProbe := func(v ssa.Value) bool { return c.probeValue(r, v, iff) }
	if r.Stmt.Probe == catalog.ProbeExists {
		if e := falseEdge(iff, isProbe); e >= 0 {
			return e, existsFalse
		}
		return -1, ""
	}
	cond, ok := iff.Cond.(*ssa.BinOp)
	if !ok {
		return -1, ""
	}
	x, op, n, ok := intTest(cond)
	if !ok || !isProbe(x) {
		return -1, ""
	}
	if e := zeroEdge(op, n); e >= 0 {
		return e, zeroCount
	}
	return -1, ""
}

// intTest reads a comparison of a value with an integer constant as
// "x op n", the constant put on the right.
func intTest(cond *ssa.BinOp) (x ssa.Value, op token.Token, n int64, ok bool) {
	x, y, op := cond.X, cond.Y, cond.Op
	if isIntConst(x) {
		x, y, op = y, x, mirror(op)
	}
	if !isIntConst(y) {
		return nil, 0, 0, false
	}
	n, _ = constant.Int64Val(y.(*ssa.Const).Value)
	return catalog.Underlying(x), op, n, true
}

// probeValue reports whether v is the one value the probe read r returns,
// as at sees it: the first result of a query or wrapper returning it, or
// a load of the variable r scanned it into (Scan(&n), Get(&n, ...)) that
// nothing else writes between the read and at.
func (c *checker) probeValue(r stmtCall, v ssa.Value, at ssa.Instruction) bool {
	if first := firstResult(r); first != nil {
		return same(v, first) && isBasic(first.Type())
	}
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return false
	}
	dests, own := scannedInto(r)
	if len(dests) != 1 || !isBasic(load.Type()) {
		return false
	}
	a, ok := dests[0].(*ssa.Alloc)
	if !ok || load.X != a || !ssaorder.Reachable(r.instr, at) {
		return false
	}
	return !writtenBetween(r.instr, at, writers(a, own))
}

// isBasic reports whether t is a number or a bool: the count or the
// EXISTS itself, not a row holding it.
func isBasic(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsInteger|types.IsBoolean) != 0
}

// probeFound returns the bool result of fn that tells its caller whether
// the probe read r found a row: every return gives r's EXISTS, or its
// count compared to 0 (n > 0, n != 0, n >= 1), or false with an error.
// It is -1 when there is none.
func (c *checker) probeFound(fn *ssa.Function, r stmtCall) int {
	if r.Stmt.Probe == catalog.NoProbe || r.Many {
		return -1
	}
	res := fn.Signature.Results()
	errAt := res.Len() - 1
	var rets []*ssa.Return
	for _, b := range fn.Blocks {
		if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && len(ret.Results) == res.Len() {
			rets = append(rets, ret)
		}
	}
	for i := 0; i < errAt; i++ {
		if b, ok := res.At(i).Type().Underlying().(*types.Basic); !ok || b.Kind() != types.Bool {
			continue
		}
		told := 0
		for _, ret := range rets {
			v := loaded(ret.Results[i])
			if isFalseConst(v) && !isNilConst(loaded(ret.Results[errAt])) {
				continue // false, with an error
			}
			if !c.probePresent(r, v, ret) {
				told = -1
				break
			}
			told++
		}
		if told > 0 {
			return i
		}
	}
	return -1
}

// probePresent reports whether v, at at, is true exactly when the probe
// read r found a row.
func (c *checker) probePresent(r stmtCall, v ssa.Value, at ssa.Instruction) bool {
	if r.Stmt.Probe == catalog.ProbeExists {
		return c.probeValue(r, v, at)
	}
	cond, ok := v.(*ssa.BinOp)
	if !ok {
		return false
	}
	x, op, n, ok := intTest(cond)
	return ok && c.probeValue(r, x, at) && zeroEdge(op, n) == 1
}
