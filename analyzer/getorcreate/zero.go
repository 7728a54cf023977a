package getorcreate

import (
	"go/token"

	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// zeroDest is how a read is seen to find nothing when the code tests the
// destination it scanned into for zero instead of the error:
//
//	err := stmt.Get(&tag, q, name)
//	if err != nil && !errors.Is(err, sql.ErrNoRows) { return err }
//	if tag.ID == 0 { insert }
const zeroDest = "a zero destination"

// zeroAfterRead reports whether v is a load, after the one-row read r, of
// (a field of) a local variable r scanned into, tested by check: the
// variable was zero before the read (declared there, or just tested zero,
// and not written since), nothing but r writes it between the read and the
// check, and the read's ErrNoRows can reach the check (ignored, not
// handled on a branch of its own). A zero there means no row was found.
func (c *checker) zeroAfterRead(r stmtCall, v ssa.Value, check *ssa.If) bool {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL || !r.One || r.Stmt.Kind != catalog.Read {
		return false
	}
	dests, own := scannedInto(r)
	var dest ssa.Value
	for _, d := range dests {
		if within(load.X, d) {
			dest = d
		}
	}
	root := rootAlloc(dest)
	if root == nil || !ssaorder.Reachable(r.instr, check) {
		return false
	}
	writes := writers(root, own)
	from := zeroBefore(r, root, load.X, writes)
	if from == nil || ssaorder.ReachableAvoiding(r.instr, r.instr, from) {
		return false // not zero, or left over from an earlier round
	}
	if writtenBetween(r.instr, check, writes) {
		return false
	}
	return noRowsReaches(r, check)
}

// scannedInto returns the destinations the read r scans into (a Get's dest,
// the pointers given to its row's Scan) and the instructions that hand them
// over.
func scannedInto(r stmtCall) (dests []ssa.Value, own map[ssa.Instruction]bool) {
	own = map[ssa.Instruction]bool{r.instr: true}
	add := func(v ssa.Value) {
		if instr, ok := v.(ssa.Instruction); ok {
			own[instr] = true
		}
		dests = append(dests, catalog.Underlying(v))
	}
	if r.Dest != nil {
		for _, a := range r.instr.Common().Args {
			if catalog.Underlying(a) == r.Dest {
				add(a)
			}
		}
		return dests, own
	}
	scan, ok := errorOf(r).(*ssa.Call)
	if !ok || scan == r.instr {
		return nil, own
	}
	own[scan] = true
	for i := 0; ; i++ {
		v := catalog.VariadicArg(scan.Common().Args, i)
		if v == nil {
			return dests, own
		}
		add(v)
	}
}

// within reports whether the address a is d or a field of it.
func within(a, d ssa.Value) bool {
	for {
		if sameAddr(a, d) {
			return true
		}
		fa, ok := a.(*ssa.FieldAddr)
		if !ok {
			return false
		}
		a = fa.X
	}
}

// sameAddr reports whether two addresses are the same variable or the same
// field of it (&tag.ID computed twice).
func sameAddr(a, b ssa.Value) bool {
	if a == b {
		return true
	}
	fa, ok1 := a.(*ssa.FieldAddr)
	fb, ok2 := b.(*ssa.FieldAddr)
	return ok1 && ok2 && fa.Field == fb.Field && sameAddr(fa.X, fb.X)
}

// rootAlloc returns the local variable the address a is (a field of), or
// nil.
func rootAlloc(a ssa.Value) *ssa.Alloc {
	for {
		switch x := a.(type) {
		case *ssa.Alloc:
			return x
		case *ssa.FieldAddr:
			a = x.X
		default:
			return nil
		}
	}
}

// writtenBetween reports whether one of writes may run on a path from
// from to to that does not pass from again.
func writtenBetween(from, to ssa.Instruction, writes []ssa.Instruction) bool {
	for _, w := range writes {
		if ssaorder.ReachableAvoiding(from, w, from) && ssaorder.ReachableAvoiding(w, to, from) {
			return true
		}
	}
	return false
}

// writers returns the instructions that may write the variable a or its
// fields, other than own: stores of anything but 0, "" or nil, and every use that
// hands its address on.
func writers(a *ssa.Alloc, own map[ssa.Instruction]bool) []ssa.Instruction {
	var out []ssa.Instruction
	var visit func(v ssa.Value)
	visit = func(v ssa.Value) {
		for _, ref := range catalog.Referrers(v) {
			switch x := ref.(type) {
			case *ssa.FieldAddr:
				visit(x)
				continue
			case *ssa.UnOp:
				if x.Op == token.MUL {
					continue
				}
			case *ssa.DebugRef:
				continue
			case *ssa.Store:
				if x.Addr == v && catalog.IsZeroConst(x.Val) {
					continue
				}
			}
			if !own[ref] {
				out = append(out, ref)
			}
		}
	}
	visit(a)
	return out
}

// zeroBefore returns where the variable a (read into by r at addr) is
// last known zero before r: its declaration when nothing writes it between
// there and r, or a test of addr for zero whose zero branch leads to r
// with nothing written in between; or nil.
func zeroBefore(r stmtCall, a *ssa.Alloc, addr ssa.Value, writes []ssa.Instruction) ssa.Instruction {
	untouched := func(from ssa.Instruction) bool { return !writtenBetween(from, r.instr, writes) }
	if untouched(a) {
		return a
	}
	for _, b := range r.instr.Parent().Blocks {
		iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		cond, ok := iff.Cond.(*ssa.BinOp)
		if !ok {
			continue
		}
		x, y := cond.X, cond.Y
		if catalog.IsZeroConst(x) {
			x, y = y, x
		}
		load, ok := x.(*ssa.UnOp)
		if !ok || load.Op != token.MUL || !sameAddr(load.X, addr) || !catalog.IsZeroConst(y) {
			continue
		}
		succ := eqEdge(cond.Op)
		if succ < 0 {
			continue
		}
		target := b.Succs[succ]
		if len(target.Preds) == 1 && target.Dominates(r.instr.Block()) && untouched(iff) {
			return iff
		}
	}
	return nil
}

// noRowsReaches reports whether check may run after the read r with r's
// error possibly ErrNoRows: on a path that leaves out the branches where
// the error is nil, or is known to be something other than "no rows".
func noRowsReaches(r stmtCall, check *ssa.If) bool {
	errV := errorOf(r)
	type at struct {
		b     *ssa.BasicBlock
		maybe bool // the error may be ErrNoRows here
	}
	start := r.instr.Block()
	if check.Block() == start {
		return true // nothing tests the error in between
	}
	// next returns the successors of x's block, with what each edge tells.
	next := func(x at) []at {
		edges := [2]bool{x.maybe, x.maybe}
		if iff, ok := x.b.Instrs[len(x.b.Instrs)-1].(*ssa.If); ok && errV != nil {
			if e := nonNilEdge(iff, errV); e >= 0 {
				edges[1-e] = false // err == nil
			}
			if isNoRowsTest(iff, errV) {
				if cond, ok := iff.Cond.(*ssa.BinOp); ok && cond.Op == token.NEQ {
					edges[0] = false // err != ErrNoRows
				} else {
					edges[1] = false
				}
			}
		}
		var out []at
		for i, s := range x.b.Succs {
			out = append(out, at{s, edges[i]})
		}
		return out
	}
	seen := make(map[at]bool)
	work := next(at{start, true})
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[x] || x.b == start || !x.maybe {
			continue
		}
		seen[x] = true
		if x.b == check.Block() {
			return true
		}
		work = append(work, next(x)...)
	}
	return false
}
