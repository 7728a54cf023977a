// Package ssaorder tells the order in which two SSA instructions of one
// function run, for the checks that ask whether a lock, a check or a
// killing store comes first, or whether one statement may follow another.
package ssaorder

import (
	"slices"

	"golang.org/x/tools/go/ssa"
)

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

// Once reports whether x runs at most once each time from runs: from runs
// before x on every path, and no cycle leads from x back to x without
// running from again.
func Once(from, x ssa.Instruction) bool {
	if !Before(from, x) {
		return false
	}
	seen := make([]bool, len(x.Parent().Blocks))
	work := append([]*ssa.BasicBlock(nil), x.Block().Succs...)
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if b == from.Block() || seen[b.Index] {
			continue // entering from's block runs from first
		}
		if b == x.Block() {
			return false
		}
		seen[b.Index] = true
		work = append(work, b.Succs...)
	}
	return true
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

// ReachableAvoiding reports whether b may run after a on a path that runs
// none of walls in between; with b == a it asks whether a may run again
// without them. Instructions of different functions are not reachable.
func ReachableAvoiding(a, b ssa.Instruction, walls ...ssa.Instruction) bool {
	if a.Parent() != b.Parent() {
		return false
	}
	blk := a.Block()
	rest := blk.Instrs
	for i, instr := range rest {
		if instr == a {
			rest = rest[i+1:]
			break
		}
	}
	// scan reports whether b is met before a wall, and whether a wall was.
	scan := func(instrs []ssa.Instruction) (found, walled bool) {
		for _, instr := range instrs {
			if instr == b {
				return true, false
			}
			if slices.Contains(walls, instr) {
				return false, true
			}
		}
		return false, false
	}
	if found, walled := scan(rest); found || walled {
		return found
	}
	seen := make([]bool, len(blk.Parent().Blocks))
	work := append([]*ssa.BasicBlock(nil), blk.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[x.Index] {
			continue
		}
		seen[x.Index] = true
		found, walled := scan(x.Instrs)
		if found {
			return true
		}
		if !walled {
			work = append(work, x.Succs...)
		}
	}
	return false
}
