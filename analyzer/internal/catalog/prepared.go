package catalog

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
)

// prepared is a statement prepared from constant SQL: what it runs, the
// :name of each $n for a named statement, and the executor it runs on (nil
// when out of sight).
type prepared struct {
	stmt  *Statement
	names []string
	exec  ssa.Value
}

// stmtOf finds what the prepared statement v runs: made by a prepare call
// of constant SQL (on the call's receiver), bound to a transaction by a
// rebind call of such a statement (tx.Stmtx(stmt): on the transaction), or
// loaded from a struct field the package assigns once, from a prepare call
// of constant SQL (its executor out of sight); else nil.
func (c *Catalog) stmtOf(v ssa.Value, depth int) *prepared {
	if depth > 3 {
		return nil
	}
	switch x := v.(type) {
	case *ssa.Extract:
		call, ok := x.Tuple.(*ssa.Call)
		if !ok || x.Index != 0 || call.Common().IsInvoke() || len(call.Common().Args) < 2 {
			return nil
		}
		args := call.Common().Args
		p := apis.PrepareOf(Callee(call.Common()))
		if p == nil {
			return nil
		}
		st, names := sqlOf(args[len(args)-1], p.Named)
		if st == nil {
			return nil
		}
		return &prepared{stmt: st, names: names, exec: Underlying(args[0])}
	case *ssa.Call:
		args := x.Common().Args
		if x.Common().IsInvoke() || len(args) < 2 || apis.StmtRebindOf(Callee(x.Common())) == nil {
			return nil
		}
		p := c.stmtOf(Underlying(args[len(args)-1]), depth+1)
		if p == nil {
			return nil
		}
		return &prepared{stmt: p.stmt, names: p.names, exec: Underlying(args[0])}
	case *ssa.UnOp:
		if fa, ok := x.X.(*ssa.FieldAddr); ok && x.Op == token.MUL {
			return c.fieldStmts[fieldVar(fa.X.Type(), fa.Field)]
		}
	case *ssa.Field:
		return c.fieldStmts[fieldVar(x.X.Type(), x.Field)]
	}
	return nil
}

// fieldVar returns field i of the struct t (or *t), or nil.
func fieldVar(t types.Type, i int) *types.Var {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return nil
	}
	return st.Field(i)
}

// findFieldStmts returns the statement fields of the package's structs
// (unexported, so no other package writes them) assigned once in the
// package, from a prepare call of constant SQL: a statement prepared in a
// constructor and run by the methods.
func (c *Catalog) findFieldStmts(pass *analysis.Pass) map[*types.Var]*prepared {
	writes := make(map[*types.Var]int)
	found := make(map[*types.Var]*prepared)
	field := func(e ast.Expr) *types.Var {
		var v *types.Var
		switch e := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			if sel, ok := c.info.Selections[e]; ok && sel.Kind() == types.FieldVal {
				v, _ = sel.Obj().(*types.Var)
			}
		case *ast.Ident: // a composite literal's key
			v, _ = c.info.Uses[e].(*types.Var)
		}
		if v == nil || !v.IsField() || !apis.IsStmt(v.Type()) {
			return nil
		}
		return v
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					v := field(lhs)
					if v == nil {
						continue
					}
					writes[v]++
					// s.stmt, err = db.Preparex(sql): the call's first result.
					if len(n.Rhs) == len(n.Lhs) || len(n.Rhs) == 1 && i == 0 {
						if p := c.preparedExpr(n.Rhs[min(i, len(n.Rhs)-1)]); p != nil {
							found[v] = p
						}
					}
				}
			case *ast.KeyValueExpr:
				if v := field(n.Key); v != nil {
					writes[v]++
				}
			case *ast.CompositeLit:
				st, _ := types.Unalias(c.info.TypeOf(n)).Underlying().(*types.Struct)
				for i, elt := range n.Elts {
					if _, keyed := elt.(*ast.KeyValueExpr); !keyed && st != nil && i < st.NumFields() && apis.IsStmt(st.Field(i).Type()) {
						writes[st.Field(i)] += 2 // positional: not followed
					}
				}
			case *ast.UnaryExpr:
				if v := field(n.X); v != nil && n.Op == token.AND {
					writes[v] += 2 // its address taken: written out of sight
				}
			}
			return true
		})
	}
	out := make(map[*types.Var]*prepared)
	for v, p := range found {
		if writes[v] == 1 && !v.Exported() && v.Pkg() == pass.Pkg {
			out[v] = p
		}
	}
	return out
}

// preparedExpr classifies a prepare call of constant SQL in the syntax
// tree (db.Preparex("...")), its executor left out; or returns nil.
func (c *Catalog) preparedExpr(e ast.Expr) *prepared {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return nil
	}
	fn, _ := typeutil.Callee(c.info, call).(*types.Func)
	p := apis.PrepareOf(fn)
	if p == nil {
		return nil
	}
	last := call.Args[len(call.Args)-1]
	if p.Named {
		st, names := c.namedExpr(last)
		if st == nil {
			return nil
		}
		return &prepared{stmt: st, names: names}
	}
	if st := c.sqlExpr(last); st != nil {
		return &prepared{stmt: st}
	}
	return nil
}

// namedExpr classifies the constant named SQL e (sqlx's :name) as sqlx
// compiles it, with the name of each $n; nil when e is no constant.
func (c *Catalog) namedExpr(e ast.Expr) (*Statement, []string) {
	sql, ok := c.constExpr(e)
	if !ok {
		return nil, nil
	}
	dollars, names := Named(sql)
	return Classify(dollars), names
}
