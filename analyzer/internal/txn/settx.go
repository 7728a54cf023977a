package txn

import (
	"go/constant"
	"regexp"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// setTransaction matches SQL that sets the current transaction's isolation
// level.
var setTransaction = regexp.MustCompile(`(?is)^\s*SET\s+TRANSACTION\s+ISOLATION\s+LEVEL\s+(SERIALIZABLE|REPEATABLE\s+READ|READ\s+COMMITTED|READ\s+UNCOMMITTED)\b`)

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
// returns the level it sets if it is SET TRANSACTION ISOLATION LEVEL.
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
			for _, a := range call.Common().Args {
				if k, ok := a.(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.String {
					if m := setTransaction.FindStringSubmatch(constant.StringVal(k.Value)); m != nil {
						name := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
						return levelOfConst(constant.MakeString(name)), true
					}
				}
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
