package catalog

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
)

// ForwardFact marks a function that runs the SQL its caller passes, with
// the caller's arguments: a generic helper such as
// queryOne[T any](ctx, db, sql string, args ...any). A call of it with
// constant SQL is classified as that SQL run by the library method Via.
type ForwardFact struct {
	// SQL is the parameter holding the SQL (receiver excluded); the
	// statement's arguments are the variadic parameter right after it.
	SQL int
	// Exec is the parameter supplying the connection or transaction, or
	// ExecReceiver or ExecUnknown.
	Exec int
	// Via is the library method the helper runs the SQL with (QueryRow).
	Via string
	// One is set when Via is a one-row read whose "no row" is the
	// library's NotFound error.
	One bool
}

func (*ForwardFact) AFact() {}

func (f *ForwardFact) String() string { return "forwards its SQL to " + f.Via }

// forwarder recognises a function that passes its SQL parameter and its
// variadic arguments on to the one library call in its body that runs SQL.
func (c *Catalog) forwarder(fd *ast.FuncDecl) *ForwardFact {
	info := c.info
	obj, ok := info.Defs[fd.Name].(*types.Func)
	if !ok {
		return nil
	}
	sig := obj.Type().(*types.Signature)
	if !sig.Variadic() || sig.Params().Len() < 2 {
		return nil
	}
	ps := params(info, fd)
	variadic := ps[len(ps)-1]
	sqlParam := ps[len(ps)-2]
	if variadic == nil || sqlParam == nil || !types.Identical(sqlParam.Type(), types.Typ[types.String]) {
		return nil
	}
	// Every statement call forwards the SQL and the arguments, to the same
	// method: one call, or one on the context's transaction and one on the
	// pool (if tx, ok := txFrom(ctx); ok { return tx.QueryRow(ctx, sql,
	// args...) }; return r.db.QueryRow(ctx, sql, args...)).
	var f *ForwardFact
	ok = true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if _, isLit := n.(*ast.FuncLit); isLit || !ok {
			return false
		}
		if !isCall {
			return true
		}
		fn, isFunc := typeutil.Callee(info, call).(*types.Func)
		if !isFunc {
			return true
		}
		if c.fact(fn) != nil || c.forwards[fn.Origin()] != nil {
			ok = false
			return false
		}
		q := apis.QueryOf(fn)
		if q == nil {
			return true
		}
		i := q.SQLArg
		if !call.Ellipsis.IsValid() || len(call.Args) != i+2 || !isIdentOf(info, call.Args[i], sqlParam) || !isIdentOf(info, call.Args[i+1], variadic) {
			ok = false
			return false
		}
		exec := ExecUnknown
		if sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr); isSel && !q.Handle {
			exec = execParam(info, sel.X, ps, receiver(info, fd))
		} else if q.Handle {
			exec = execParam(info, call.Args[q.HandleArg()], ps, receiver(info, fd))
		}
		switch {
		case f == nil:
			f = &ForwardFact{SQL: len(ps) - 2, Exec: exec, Via: fn.Name(), One: q.One}
		case f.Via != fn.Name() || f.One != q.One:
			ok = false
		case f.Exec != exec:
			f.Exec = ExecUnknown
		}
		return true
	})
	if !ok {
		return nil
	}
	return f
}

// isIdentOf reports whether e names obj.
func isIdentOf(info *types.Info, e ast.Expr, obj types.Object) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && info.Uses[id] == obj
}

// findForwarders finds the package's forwarders and exports their facts.
func (c *Catalog) findForwarders(pass *analysis.Pass, funcs []*ast.FuncDecl) {
	for _, fd := range funcs {
		if f := c.forwarder(fd); f != nil {
			if obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
				pass.ExportObjectFact(obj, f)
				c.forwards[obj] = f
			}
		}
	}
}

// forwardCall classifies a call of a forwarder with constant SQL; args
// exclude the receiver recv.
func (c *Catalog) forwardCall(fn *types.Func, common *ssa.CallCommon, recv ssa.Value, args []ssa.Value) *Call {
	f := c.forwards[fn.Origin()]
	if f == nil || f.SQL >= len(args) {
		return nil
	}
	st, _ := sqlOf(args[f.SQL], false)
	if st == nil {
		return nil
	}
	return &Call{Stmt: st, Name: fn.Name(), Literal: true, One: f.One, Exec: execValue(f.Exec, args, recv), common: common, args: args[f.SQL+1:]}
}

// execValue is the handle a fact's Exec names at a call: an argument
// (receiver excluded), the receiver, or nil when unknown.
func execValue(exec int, args []ssa.Value, recv ssa.Value) ssa.Value {
	switch {
	case exec >= 0 && exec < len(args):
		return Underlying(args[exec])
	case exec == ExecReceiver:
		return Underlying(recv)
	}
	return nil
}
