package catalog

import (
	"cmp"
	"go/ast"
	"go/constant"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
	"github.com/lockstep-dev/lockstep/analyzer/internal/ssaorder"
)

// A batch (apis.Batch) queues statements and sends them at once:
//
//	b := &pgx.Batch{}
//	b.Queue("SELECT n FROM t WHERE id = $1", id)
//	b.Queue("UPDATE u SET m = $1 WHERE id = $2", m, id)
//	br := tx.SendBatch(ctx, b)
//	err := br.QueryRow().Scan(&n)
//	_, err = br.Exec()
//
// Each statement runs on the send's receiver. Its call is where its results
// are read: the n-th result read of the send's result when the pairing is
// certain (every queue and every read runs once, in one order, the reads
// before any Close), else the callback registered on its queue call, else
// the queue call itself, which has no results. A batch that is not a local
// variable used only by Queue, neutral methods and one send, or whose
// queue calls may run after the send, runs no known statement.

// batch is the model of one batch variable.
type batch struct {
	row    *apis.Batch
	send   *ssa.Call
	queued []queued
}

// queued is one queued statement.
type queued struct {
	stmt  *Statement // nil when the SQL is not known
	args  []ssa.Value
	where ssa.CallInstruction // the call standing for the statement
}

// batchCall returns the statement a call stands for when it is a queue
// call, a result read or a callback registration of a modelled batch.
func (c *Catalog) batchCall(common *ssa.CallCommon, fn *types.Func, recv ssa.Value) *Call {
	var b ssa.Value
	if row := apis.BatchMethod(fn); row != nil && fn.Name() == row.Queue {
		b = recv
	} else if rc, ok := recv.(*ssa.Call); ok {
		rf := Callee(rc.Common())
		if rf == nil {
			return nil
		}
		_, rargs := split(rc.Common(), rf)
		if row := apis.BatchMethod(rf); row != nil && rf.Name() == row.Queue && slices.Contains(row.Callbacks, fn.Name()) {
			b = rc.Common().Args[0]
		} else if row := apis.BatchSend(rf); row != nil && slices.Contains(row.Results, fn.Name()) && row.SendArg < len(rargs) {
			b = rargs[row.SendArg]
		}
	}
	if b == nil {
		return nil
	}
	m := batchOf(b)
	if m == nil {
		return nil
	}
	for _, q := range m.queued {
		if q.where.Common() != common || q.stmt == nil {
			continue
		}
		sendRecv, _ := split(m.send.Common(), Callee(m.send.Common()))
		return &Call{Stmt: q.stmt, Name: fn.Name(), Exec: Underlying(sendRecv), Literal: true, One: fn.Name() == m.row.One,
			common: common, args: q.args}
	}
	return nil
}

// batchOf models the batch variable b, or returns nil.
func batchOf(b ssa.Value) *batch {
	alloc, ok := b.(*ssa.Alloc)
	if !ok {
		return nil
	}
	m := &batch{row: apis.BatchOf(alloc.Type())}
	if m.row == nil {
		return nil
	}
	var queues []*ssa.Call
	for _, ref := range Referrers(alloc) {
		if _, ok := ref.(*ssa.DebugRef); ok {
			continue
		}
		call, ok := ref.(*ssa.Call)
		if !ok {
			return nil // stored, captured, passed on: built out of sight
		}
		f := Callee(call.Common())
		if f == nil {
			return nil
		}
		recv, args := split(call.Common(), f)
		switch {
		case recv == alloc && f.Name() == m.row.Queue && len(args) == 2:
			queues = append(queues, call)
		case recv == alloc && slices.Contains(m.row.Neutral, f.Name()):
		case m.send == nil && apis.BatchSend(f) == m.row && m.row.SendArg < len(args) && args[m.row.SendArg] == alloc && recv != alloc:
			m.send = call
		default:
			return nil
		}
	}
	if m.send == nil {
		return nil
	}
	slices.SortFunc(queues, byPos)
	for _, q := range queues {
		if !ssaorder.Reachable(q, m.send) || ssaorder.Reachable(m.send, q) {
			return nil // queued after the send, or around it in a loop
		}
	}
	callbacks, ok := callbacksOf(m.row, queues, m.send)
	if !ok {
		return nil
	}
	reads, paired := m.reads()
	if len(reads) > 0 && len(callbacks) > 0 {
		return nil // reads skip callbacks: not followed
	}
	paired = paired && len(reads) <= len(queues) && inOrder(alloc, queues) && ssaorder.Once(alloc, m.send) &&
		(len(queues) == 0 || ssaorder.Before(queues[len(queues)-1], m.send)) && inOrder(m.send, reads)
	for i, q := range queues {
		_, args := split(q.Common(), Callee(q.Common()))
		st, _ := sqlOf(args[0], false)
		e := queued{stmt: st, args: args[1:], where: q}
		switch {
		case paired && i < len(reads):
			e.where = reads[i]
		case callbacks[q] != nil:
			e.where = callbacks[q]
		}
		m.queued = append(m.queued, e)
	}
	return m
}

// callbacksOf returns the callback registrations of the queue calls, and
// false when a queue call's result is used otherwise or registers more
// than once, or a registration may run after the send.
func callbacksOf(row *apis.Batch, queues []*ssa.Call, send *ssa.Call) (map[*ssa.Call]*ssa.Call, bool) {
	out := make(map[*ssa.Call]*ssa.Call)
	for _, q := range queues {
		for _, ref := range Referrers(q) {
			if _, ok := ref.(*ssa.DebugRef); ok {
				continue
			}
			call, ok := ref.(*ssa.Call)
			if !ok || out[q] != nil || call.Common().IsInvoke() || len(call.Common().Args) == 0 || call.Common().Args[0] != q {
				return nil, false
			}
			f := Callee(call.Common())
			if f == nil || !slices.Contains(row.Callbacks, f.Name()) || !ssaorder.Reachable(call, send) || ssaorder.Reachable(send, call) {
				return nil, false
			}
			out[q] = call
		}
	}
	return out, true
}

// reads returns the send's result reads in order, and whether they can be
// paired with the queued statements: the send's result is used only by
// reads and Close, none of the reads after a Close.
func (m *batch) reads() ([]*ssa.Call, bool) {
	var reads []*ssa.Call
	var closes []ssa.CallInstruction
	paired := true
	for _, ref := range Referrers(m.send) {
		if _, ok := ref.(*ssa.DebugRef); ok {
			continue
		}
		ci, ok := ref.(ssa.CallInstruction)
		if !ok || !ci.Common().IsInvoke() || ci.Common().Value != m.send {
			paired = false
			continue
		}
		name := ci.Common().Method.Name()
		call, isCall := ci.(*ssa.Call)
		switch {
		case slices.Contains(m.row.Results, name) && isCall:
			reads = append(reads, call)
		case name == m.row.Close:
			if isCall {
				closes = append(closes, call)
			}
		default:
			paired = false
		}
	}
	slices.SortFunc(reads, byPos)
	for _, cl := range closes {
		for _, r := range reads {
			if ssaorder.Reachable(cl, r) {
				paired = false
			}
		}
	}
	return reads, paired
}

// byPos orders calls as they are written, which inOrder then checks is
// the order they run in.
func byPos(a, b *ssa.Call) int { return cmp.Compare(a.Pos(), b.Pos()) }

// inOrder reports whether calls run once each per run of from, one after
// the other.
func inOrder(from ssa.Instruction, calls []*ssa.Call) bool {
	for i, c := range calls {
		if !ssaorder.Once(from, c) || i > 0 && !ssaorder.Before(calls[i-1], c) {
			return false
		}
	}
	return true
}

// copyCall models a bulk copy into a constant table (apis.Copy) as the
// plain INSERT it is, or returns nil.
func copyCall(common *ssa.CallCommon, fn *types.Func, recv ssa.Value, args []ssa.Value) *Call {
	cp := apis.CopyOf(fn)
	if cp == nil || cp.TableArg >= len(args) {
		return nil
	}
	st := copyStatement(identifier(args[cp.TableArg]))
	if st == nil {
		return nil
	}
	return &Call{Stmt: st, Name: fn.Name(), Exec: Underlying(recv), Literal: true, common: common}
}

// generatedCopy recognises a sqlc :copyfrom method, which passes no SQL:
// its one call is a bulk copy into a constant table.
func (c *Catalog) generatedCopy(pass *analysis.Pass, fd *ast.FuncDecl) *QueryFact {
	info := pass.TypesInfo
	var f *QueryFact
	calls := 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		calls++
		fn, _ := typeutil.Callee(info, call).(*types.Func)
		cp := (*apis.Copy)(nil)
		if fn != nil {
			cp = apis.CopyOf(fn)
		}
		sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if cp == nil || !isSel || cp.TableArg >= len(call.Args) {
			return true
		}
		if st := copyStatement(identifierLit(info, call.Args[cp.TableArg])); st != nil {
			f = &QueryFact{Stmt: st, Query: fd.Name.Name, Exec: execParam(info, sel.X, params(info, fd), receiver(info, fd)), Pkg: pass.Pkg.Path()}
		}
		return true
	})
	if calls != 1 {
		return nil // the copy, and nothing else that could run SQL
	}
	return f
}

// copyStatement returns the plain INSERT a bulk copy into the table named
// by parts (schema and name) runs, or nil.
func copyStatement(parts []string) *Statement {
	if len(parts) < 1 || len(parts) > 3 {
		return nil
	}
	quoted := make([]string, len(parts))
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p, "\"\x00") {
			return nil
		}
		quoted[i] = quote(p)
	}
	st := Classify("INSERT INTO " + strings.Join(quoted, ".") + " DEFAULT VALUES")
	if st.Kind != Insert {
		return nil
	}
	return st
}

// identifier returns the constant parts of a table name given as a slice
// literal (pgx.Identifier{"public", "t"}), or nil.
func identifier(v ssa.Value) []string {
	sl, ok := Underlying(v).(*ssa.Slice)
	if !ok || sl.Low != nil || sl.High != nil {
		return nil
	}
	arr, ok := sl.X.(*ssa.Alloc)
	if !ok {
		return nil
	}
	at, ok := arr.Type().(*types.Pointer).Elem().Underlying().(*types.Array)
	if !ok {
		return nil
	}
	parts := make([]string, at.Len())
	for i := range parts {
		s, ok := constString(VariadicArg([]ssa.Value{sl}, i))
		if !ok {
			return nil
		}
		parts[i] = s
	}
	return parts
}

// identifierLit is identifier for a slice literal in the syntax tree.
func identifierLit(info *types.Info, e ast.Expr) []string {
	lit, ok := ast.Unparen(e).(*ast.CompositeLit)
	if !ok {
		return nil
	}
	var parts []string
	for _, elt := range lit.Elts {
		tv, ok := info.Types[elt]
		if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
			return nil
		}
		parts = append(parts, constant.StringVal(tv.Value))
	}
	return parts
}

// ResultsOf returns the call whose results (a row, rows) v holds: v itself
// when it is a call, or the callback registration of a queued statement
// when v is the first parameter of the function registered
// (b.Queue(sql).QueryRow(func(row pgx.Row) error { ... })); else nil.
func (c *Catalog) ResultsOf(v ssa.Value) ssa.CallInstruction {
	switch v := v.(type) {
	case *ssa.Call:
		return v
	case *ssa.Parameter:
		fn := v.Parent()
		if fn.Parent() == nil || len(fn.Params) == 0 || fn.Params[0] != v {
			return nil
		}
		var fv ssa.Value = fn
		for _, b := range fn.Parent().Blocks {
			for _, instr := range b.Instrs {
				if mc, ok := instr.(*ssa.MakeClosure); ok && mc.Fn == fn {
					fv = mc
				}
			}
		}
		for _, b := range fn.Parent().Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok || len(call.Common().Args) != 2 || call.Common().Args[1] != fv {
					continue
				}
				if f := Callee(call.Common()); f != nil {
					if recv, ok := call.Common().Args[0].(*ssa.Call); ok && c.batchCall(call.Common(), f, recv) != nil {
						return call
					}
				}
			}
		}
	}
	return nil
}
