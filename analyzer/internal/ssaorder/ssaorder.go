// Package ssaorder tells the order in which two SSA instructions of one
// function run, for the checks that ask whether a lock, a check or a
// killing store comes first, or whether one statement may follow another.
package ssaorder

import "golang.org/x/tools/go/ssa"

// Before reports whether a runs before b on every path to b: a dominates
// b. Instructions of different functions are in no order.
func Before(a, b ssa.Instruction) bool {
	if a.Parent() != b.Parent() || a == b {
		return false
	}
	if a.Block() == b.Block() {
		return first(a, b)
	}
	return a.Block().Dominates(b.Block())
}

// Reachable reports whether b may run after a.
func Reachable(a, b ssa.Instruction) bool {
	if a.Parent() != b.Parent() {
		return false
	}
	if a.Block() == b.Block() && first(a, b) {
		return true
	}
	return BlocksAfter(a.Block())[b.Block().Index]
}

// first reports whether a comes before b in their one block.
func first(a, b ssa.Instruction) bool {
	for _, instr := range a.Block().Instrs {
		if instr == a {
			return true
		}
		if instr == b {
			return false
		}
	}
	return false
}

// BlocksAfter returns, by block index, the blocks of b's function that can
// run after b: those reached over at least one edge, so b itself only when
// it lies on a cycle.
func BlocksAfter(b *ssa.BasicBlock) []bool {
	seen := make([]bool, len(b.Parent().Blocks))
	work := append([]*ssa.BasicBlock(nil), b.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if !seen[x.Index] {
			seen[x.Index] = true
			work = append(work, x.Succs...)
		}
	}
	return seen
}
