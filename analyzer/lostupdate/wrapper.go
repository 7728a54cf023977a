package lostupdate

import (
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
)

// lockFact marks a wrapper that calls its func parameter Param inside a
// transaction after locking rows of Tables (FOR UPDATE or FOR NO KEY
// UPDATE) in it: a callback that reads and writes those rows is protected.
// Param counts the receiver of a method as parameter 0, as in SSA.
type lockFact struct {
	Param  int
	Tables []string
}

func (*lockFact) AFact() {}

func (f *lockFact) String() string {
	return "locks " + strings.Join(f.Tables, ",") + " for its callback"
}

// lockFacts derives the lock facts of the package's functions, wrappers of
// this package's wrappers included when they come later in source order.
func (c *checker) lockFacts() map[*types.Func]*lockFact {
	out := make(map[*types.Func]*lockFact)
	for _, fn := range c.txr.SrcFuncs {
		obj, ok := fn.Object().(*types.Func)
		if !ok {
			continue
		}
		for i, p := range fn.Params {
			if _, ok := types.Unalias(p.Type()).Underlying().(*types.Signature); !ok {
				continue
			}
			if tables := c.lockedForCallback(fn, p, out); len(tables) > 0 {
				out[obj] = &lockFact{Param: i, Tables: tables}
				break
			}
		}
	}
	return out
}

// lockedForCallback returns the tables locked in the transaction each call
// of the func parameter p runs in, before the call, on every such call: in
// fn or in closures of fn that capture p, or in a wrapper p is handed to.
func (c *checker) lockedForCallback(fn *ssa.Function, p *ssa.Parameter, local map[*types.Func]*lockFact) []string {
	uses := txn.ValuesOf(fn, p)
	var tables []string
	sites := 0
	for _, u := range uses {
		for _, ref := range catalog.Referrers(u) {
			call, ok := ref.(ssa.CallInstruction)
			if !ok {
				continue
			}
			var locked []string
			switch common := call.Common(); {
			case common.Value == u:
				locked = c.locksBefore(call)
			default:
				f := c.lockFactOf(common, local)
				if f == nil || f.Param >= len(common.Args) || common.Args[f.Param] != u {
					continue
				}
				locked = f.Tables
			}
			if sites == 0 {
				tables = locked
			} else {
				tables = slices.DeleteFunc(tables, func(t string) bool { return !slices.Contains(locked, t) })
			}
			sites++
		}
	}
	return tables
}

// locksBefore returns the tables locked, before call on every path, in the
// transaction call passes on.
func (c *checker) locksBefore(call ssa.CallInstruction) []string {
	tx := c.txr.OfCall(call.Common())
	if tx == nil {
		return nil
	}
	var tables []string
	for _, l := range c.calls(call.Parent()) {
		if l.Stmt.Locks() && ssaorder.Before(l.instr, call) && c.txOf(l) == tx.Root() {
			tables = append(tables, l.Stmt.Tables...)
		}
	}
	return tables
}

// lockFactOf returns the lock fact of the function a call runs: derived in
// this run for this package's functions, imported otherwise.
func (c *checker) lockFactOf(common *ssa.CallCommon, local map[*types.Func]*lockFact) *lockFact {
	f := catalog.Callee(common)
	if f == nil || common.IsInvoke() {
		return nil
	}
	f = f.Origin()
	if lf, ok := local[f]; ok {
		return lf
	}
	if f.Pkg() == c.pass.Pkg {
		return nil
	}
	lf := new(lockFact)
	if c.pass.ImportObjectFact(f, lf) {
		return lf
	}
	return nil
}

// lockedByRunner reports whether tx is a callback's transaction whose
// runner (a wrapper) locked rows of table before running the callback.
func (c *checker) lockedByRunner(tx *txn.Tx, table string) bool {
	if tx == nil || tx.Kind != txn.Callback || tx.Fn == nil || tx.Fn.Parent() == nil {
		return false
	}
	for _, b := range tx.Fn.Parent().Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(ssa.CallInstruction)
			if !ok || call.Pos() != tx.Pos {
				continue
			}
			arg, t := c.txr.Callback(call)
			if t != tx {
				continue
			}
			f := c.lockFactOf(call.Common(), c.locks)
			return f != nil && f.Param < len(call.Common().Args) && call.Common().Args[f.Param] == arg && slices.Contains(f.Tables, table)
		}
	}
	return false
}
