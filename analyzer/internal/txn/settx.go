package txn

import (
	"go/constant"

	"golang.org/x/tools/go/ssa"
)

// setLevels gives a transaction begun without options, or a callback's, the
// level its first statement sets with SET TRANSACTION ISOLATION LEVEL
// (PostgreSQL refuses it after any other statement), and its savepoints the
// same level.
func (r *builder) setLevels() {
	for _, fn := range r.SrcFuncs {
		for _, tx := range r.byFunc[fn] {
			if tx.Kind == Param || tx.Parent != nil || tx.Isolation != IsolationDefault || tx.Fn == nil || len(tx.Fn.Blocks) == 0 {
				continue
			}
			if iso, ok := r.firstStatementLevel(tx); ok {
				tx.Isolation, tx.level = iso, level{iso: iso}
			}
		}
	}
	for _, tx := range r.begun {
		if tx.Parent != nil && tx.Isolation == IsolationDefault {
			tx.Isolation = tx.Root().Isolation
		}
	}
}

// firstStatementLevel follows the one path from where tx starts (leaving
// out the branch where Begin failed) to the first call that uses tx, and
// returns the level it sets if it is SET TRANSACTION ISOLATION LEVEL, as
// literal SQL, a query or a helper that runs it on the transaction.
func (r *builder) firstStatementLevel(tx *Tx) (Isolation, bool) {
	b, i := tx.Fn.Blocks[0], 0
	if tx.begin != nil {
		b = tx.begin.Block()
		for i < len(b.Instrs) && b.Instrs[i] != tx.begin {
			i++
		}
		i++
	}
	for steps := 0; steps < len(tx.Fn.Blocks); steps++ {
		for ; i < len(b.Instrs); i++ {
			call, ok := b.Instrs[i].(ssa.CallInstruction)
			if _, deferred := b.Instrs[i].(*ssa.Defer); !ok || deferred || ofCall(r.Of, r.usesOf, call.Common()) != tx {
				continue
			}
			if st := r.cat.Of(call.Common()); st != nil && st.Stmt.Isolation != "" {
				return levelOfConst(constant.MakeString(st.Stmt.Isolation)), true
			}
			return IsolationUnknown, false
		}
		succs := OnSuccess(b, tx.errVal)
		if len(succs) != 1 {
			return IsolationUnknown, false
		}
		b, i = succs[0], 0
	}
	return IsolationUnknown, false
}
