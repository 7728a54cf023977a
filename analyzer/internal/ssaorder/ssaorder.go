// Package ssaorder tells the order in which two SSA instructions of one
// function run, for the checks that ask whether a lock, a check or a
// killing store comes first.
package ssaorder

import "golang.org/x/tools/go/ssa"

// Before reports whether a runs before b on every path to b: a dominates
// b. Instructions of different functions are in no order.
func Before(a, b ssa.Instruction) bool {
	if a.Parent() != b.Parent() || a == b {
		return false
	}
	if a.Block() == b.Block() {
		for _, instr := range a.Block().Instrs {
			if instr == a {
				return true
			}
			if instr == b {
				return false
			}
		}
	}
	return a.Block().Dominates(b.Block())
}
