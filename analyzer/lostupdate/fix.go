package lostupdate

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/astutil"

	"github.com/lockstep-dev/lockstep/analyzer/internal/catalog"
)

// forUpdateFix appends FOR UPDATE to the SQL of a plain read that runs in
// the transaction writing its value back, when the SQL is a Go string
// literal at the call and FOR UPDATE is valid on it (catalog's
// ForUpdateAppendable). The read then locks the row until the write's
// commit. Reads of sqlc queries get no fix: their SQL is reviewed in the
// queries' .sql files, and other callers of the query would lock too.
func (c *checker) forUpdateFix(r stmtCall) []analysis.SuggestedFix {
	// SQL with ? placeholders may be SQLite's, which has no FOR UPDATE.
	if !r.Literal || !r.Stmt.ForUpdateAppendable || r.Stmt.QuestionParams {
		return nil
	}
	lit := c.sqlLiteral(r)
	if lit == nil {
		return nil
	}
	sql, _ := strconv.Unquote(lit.Value)
	if strings.Contains(sql, "--") || strings.Contains(sql, "/*") {
		return nil // a trailing comment would swallow the clause
	}
	body := lit.Value[1 : len(lit.Value)-1]
	at := lit.Pos() + 1 + token.Pos(len(strings.TrimRight(body, " \t\r\n;")))
	return []analysis.SuggestedFix{{
		Message:   "read the row FOR UPDATE in the writing transaction",
		TextEdits: []analysis.TextEdit{{Pos: at, End: at, NewText: []byte(" FOR UPDATE")}},
	}}
}

// sqlLiteral returns the string literal argument of r's call whose SQL is
// r's statement, or nil.
func (c *checker) sqlLiteral(r stmtCall) *ast.BasicLit {
	call := c.callAt(r.instr.Pos())
	if call == nil {
		return nil
	}
	for _, arg := range call.Args {
		lit, ok := ast.Unparen(arg).(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			continue
		}
		if sql, err := strconv.Unquote(lit.Value); err == nil && catalog.Classify(sql) == r.Stmt {
			return lit
		}
	}
	return nil
}

// atomicFix rewrites a sqlc query call that writes back read + k (or
// read - k) into one column as a call of the query of the same package that
// adds to that column in SQL (SET col = col + $n, or + k), when the rest of
// the write is its WHERE on the same columns, the values and results have
// the types the atomic query takes and returns, and read is the read's
// field or value, unchanged since. The read then no longer feeds the write.
func (c *checker) atomicFix(e *stale, w stmtCall) []analysis.SuggestedFix {
	wf := catalog.Callee(w.Common())
	if w.Literal || wf == nil || wf.Name() != w.Stmt.Name || len(e.columns) != 1 ||
		len(w.Stmt.Written) != 1 || w.Stmt.Written[0] != e.columns[0] {
		return nil
	}
	col := e.columns[0]
	call := c.callAt(w.instr.Pos())
	if call == nil || c.hasComment(call) {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	// The write: $value for col, the rest predicates by column.
	value := 0
	preds := make(map[string]int)
	for _, u := range w.Stmt.Uses {
		switch {
		case u.Role == catalog.Overwrite && u.Column == col && value == 0:
			value = u.Param
		case u.Role == catalog.Predicate && u.Column != "" && preds[u.Column] == 0:
			preds[u.Column] = u.Param
		default:
			return nil
		}
	}
	sum, ok := ast.Unparen(c.argExpr(call, w, value)).(*ast.BinaryExpr)
	if !ok || (sum.Op != token.ADD && sum.Op != token.SUB) {
		return nil
	}
	row := c.readValue(sum.X, e.read, col)
	if row == nil {
		return nil
	}
	k := c.pass.TypesInfo.Types[sum.Y]
	if k.Value == nil || k.Value.Kind() != constant.Int {
		return nil
	}
	for _, aq := range c.cat.AtomicQueries(w.Call, w.Stmt.Table, col) {
		if args, kept, ok := c.atomicArgs(call, w, wf, aq, preds, sum); ok && c.stillUsed(row, call, kept) {
			return []analysis.SuggestedFix{{
				Message: "let SQL compute " + col + " with " + aq.Func.Name(),
				TextEdits: []analysis.TextEdit{
					{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte(aq.Func.Name())},
					{Pos: call.Lparen + 1, End: call.Rparen, NewText: []byte(args)},
				},
			}}
		}
	}
	return nil
}

// atomicArgs builds the arguments of the atomic query aq from the write's:
// its context and handle from the write's arguments of the same types, its
// delta from the constant added, its predicates from the write's
// predicates on the same columns.
func (c *checker) atomicArgs(call *ast.CallExpr, w stmtCall, wf *types.Func, aq catalog.AtomicQuery, preds map[string]int, sum *ast.BinaryExpr) (args string, kept []ast.Expr, ok bool) {
	asig, wsig := aq.Func.Signature(), wf.Signature()
	if !types.Identical(asig.Results(), wsig.Results()) || asig.Variadic() {
		return "", nil, false
	}
	k := c.pass.TypesInfo.Types[sum.Y]
	delta := c.source(sum.Y)
	if sum.Op == token.SUB {
		switch sum.Y.(type) {
		case *ast.BasicLit, *ast.Ident:
			delta = "-" + delta
		default:
			delta = "-(" + delta + ")"
		}
	}
	// The Go expression and type of each of aq's parameters.
	values := make(map[int]string)
	argTypes := make(map[int]types.Type)
	for _, u := range aq.Fact.Stmt.Uses {
		switch {
		case u.Param == aq.Param && u.Role == catalog.Delta:
			values[u.Param] = delta
		case u.Role == catalog.Predicate && preds[u.Column] != 0 && values[u.Param] == "":
			expr := c.argExpr(call, w, preds[u.Column])
			if expr == nil {
				return "", nil, false
			}
			values[u.Param] = c.source(expr)
			kept = append(kept, expr)
			argTypes[u.Param] = c.pass.TypesInfo.TypeOf(expr)
		default:
			return "", nil, false
		}
	}
	if aq.Param == 0 {
		by := constant.MakeInt64(aq.By)
		if sum.Op == token.SUB {
			by = constant.UnaryOp(token.SUB, by, 0)
		}
		if !constant.Compare(k.Value, token.EQL, by) {
			return "", nil, false
		}
	}
	if len(values) != len(aq.Fact.Args) || len(preds) != len(values)-btoi(aq.Param != 0) {
		return "", nil, false
	}
	fits := func(n int, to types.Type) bool {
		if n == aq.Param {
			if b, ok := k.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
				tb, ok := to.Underlying().(*types.Basic)
				return ok && tb.Info()&types.IsInteger != 0
			}
			return types.AssignableTo(k.Type, to)
		}
		return argTypes[n] != nil && types.AssignableTo(argTypes[n], to)
	}
	var out []string
	params := asig.Params()
	for i := 0; i < params.Len(); i++ {
		p := params.At(i)
		var refs []int // aq's $n held by parameter i
		fields := make(map[int]string)
		for n, ref := range aq.Fact.Args {
			if ref.Param == i {
				refs = append(refs, n+1)
				fields[n+1] = ref.Field
			}
		}
		switch {
		case len(refs) == 0:
			arg := c.sameTypeArg(call, wsig, w, p.Type())
			if arg == "" {
				return "", nil, false
			}
			out = append(out, arg)
		case len(refs) == 1 && fields[refs[0]] == "":
			if !fits(refs[0], p.Type()) {
				return "", nil, false
			}
			out = append(out, values[refs[0]])
		default:
			lit, ok := c.paramsLiteral(call, p.Type(), refs, fields, values, fits)
			if !ok {
				return "", nil, false
			}
			out = append(out, lit)
		}
	}
	return strings.Join(out, ", "), kept, true
}

// paramsLiteral writes a params struct literal of type t, qualified as the
// write's own params literal is.
func (c *checker) paramsLiteral(call *ast.CallExpr, t types.Type, refs []int, fields map[int]string, values map[int]string, fits func(int, types.Type) bool) (string, bool) {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return "", false
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return "", false
	}
	qual := ""
	if named.Obj().Pkg() != c.pass.Pkg {
		for _, arg := range call.Args {
			if cl, ok := arg.(*ast.CompositeLit); ok {
				if s, ok := cl.Type.(*ast.SelectorExpr); ok {
					if id, ok := s.X.(*ast.Ident); ok {
						if pn, ok := c.pass.TypesInfo.Uses[id].(*types.PkgName); ok && pn.Imported() == named.Obj().Pkg() {
							qual = id.Name + "."
						}
					}
				}
			}
		}
		if qual == "" {
			return "", false
		}
	}
	var elems []string
	for _, n := range refs {
		var ft types.Type
		for i := 0; i < st.NumFields(); i++ {
			if st.Field(i).Name() == fields[n] {
				ft = st.Field(i).Type()
			}
		}
		if ft == nil || !fits(n, ft) {
			return "", false
		}
		elems = append(elems, fields[n]+": "+values[n])
	}
	return qual + named.Obj().Name() + "{" + strings.Join(elems, ", ") + "}", true
}

// sameTypeArg returns the source of the write's one argument of type t
// that carries no statement parameter (the context, the DBTX), or "".
func (c *checker) sameTypeArg(call *ast.CallExpr, wsig *types.Signature, w stmtCall, t types.Type) string {
	found := ""
	for i := 0; i < wsig.Params().Len() && i < len(call.Args); i++ {
		if !types.Identical(wsig.Params().At(i).Type(), t) {
			continue
		}
		for n := 1; n <= w.Stmt.NumParams; n++ {
			if ref, ok := w.Ref(n); ok && ref.Param == i {
				return ""
			}
		}
		if found != "" {
			return ""
		}
		found = c.source(call.Args[i])
	}
	return found
}

// argExpr returns the expression the write passes for $n: the argument,
// or the field's value in a params struct literal.
func (c *checker) argExpr(call *ast.CallExpr, w stmtCall, n int) ast.Expr {
	ref, ok := w.Ref(n)
	if !ok || ref.Param >= len(call.Args) {
		return nil
	}
	arg := call.Args[ref.Param]
	if ref.Field == "" {
		return arg
	}
	cl, ok := arg.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	for _, el := range cl.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == ref.Field {
				return kv.Value
			}
		}
	}
	return nil
}

// stillUsed reports whether v is used once the call's arguments are
// rewritten: outside the call, or in an expression the new arguments keep
// (a predicate taken from the row). Otherwise the fix would leave the
// read's variable unused, which does not compile.
func (c *checker) stillUsed(v *types.Var, call *ast.CallExpr, kept []ast.Expr) bool {
	for id, obj := range c.pass.TypesInfo.Uses {
		if obj != v {
			continue
		}
		if id.Pos() < call.Lparen || id.Pos() > call.Rparen {
			return true
		}
		for _, e := range kept {
			if id.Pos() >= e.Pos() && id.End() <= e.End() {
				return true
			}
		}
	}
	return false
}

// readValue returns v when x is the value of col as the read returned it:
// v.Field of a row v, or v of a one-column read, v defined by the read's
// call and not assigned, incremented or addressed anywhere else in the
// function. It returns nil otherwise.
func (c *checker) readValue(x ast.Expr, r stmtCall, col string) *types.Var {
	var id *ast.Ident
	switch x := ast.Unparen(x).(type) {
	case *ast.SelectorExpr:
		id, _ = x.X.(*ast.Ident)
		if id == nil || catalog.Snake(x.Sel.Name) != col || r.Many {
			return nil
		}
	case *ast.Ident:
		id = x
		if len(r.Stmt.Columns) != 1 || r.Stmt.Columns[0] != col || r.Many {
			return nil
		}
	default:
		return nil
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok {
		return nil
	}
	body := c.enclosingBody(x.Pos())
	if body == nil {
		return nil
	}
	defined, changed := false, false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if !c.isVarOrField(lhs, v) {
					continue
				}
				if rc, ok := ast.Unparen(n.Rhs[min(i, len(n.Rhs)-1)]).(*ast.CallExpr); ok && i == 0 && rc.Lparen == r.instr.Pos() {
					defined = true
				} else {
					changed = true
				}
			}
		case *ast.IncDecStmt:
			changed = changed || c.isVarOrField(n.X, v)
		case *ast.UnaryExpr:
			changed = changed || (n.Op == token.AND && c.isVarOrField(n.X, v))
		case *ast.RangeStmt:
			changed = changed || c.isVarOrField(n.Key, v) || c.isVarOrField(n.Value, v)
		}
		return true
	})
	if !defined || changed {
		return nil
	}
	return v
}

// isVarOrField reports whether e is v or a field of v.
func (c *checker) isVarOrField(e ast.Expr, v *types.Var) bool {
	if e == nil {
		return false
	}
	if s, ok := ast.Unparen(e).(*ast.SelectorExpr); ok {
		e = s.X
	}
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && (c.pass.TypesInfo.Uses[id] == v || c.pass.TypesInfo.Defs[id] == v)
}

// callAt returns the call expression whose Lparen is at pos, or nil.
func (c *checker) callAt(pos token.Pos) *ast.CallExpr {
	for _, n := range c.pathTo(pos) {
		if call, ok := n.(*ast.CallExpr); ok && call.Lparen == pos {
			return call
		}
	}
	return nil
}

// enclosingBody returns the body of the innermost function around pos.
func (c *checker) enclosingBody(pos token.Pos) *ast.BlockStmt {
	for _, n := range c.pathTo(pos) {
		switch n := n.(type) {
		case *ast.FuncLit:
			return n.Body
		case *ast.FuncDecl:
			return n.Body
		}
	}
	return nil
}

func (c *checker) pathTo(pos token.Pos) []ast.Node {
	for _, f := range c.pass.Files {
		if pos >= f.FileStart && pos < f.FileEnd {
			path, _ := astutil.PathEnclosingInterval(f, pos, pos)
			return path
		}
	}
	return nil
}

// hasComment reports whether a comment lies inside the call's parentheses,
// which rewriting its arguments would drop.
func (c *checker) hasComment(call *ast.CallExpr) bool {
	for _, f := range c.pass.Files {
		if call.Pos() < f.FileStart || call.Pos() >= f.FileEnd {
			continue
		}
		for _, g := range f.Comments {
			if g.Pos() > call.Lparen && g.End() < call.Rparen {
				return true
			}
		}
	}
	return false
}

// source returns the source text of e.
func (c *checker) source(e ast.Expr) string {
	start, end := c.pass.Fset.Position(e.Pos()), c.pass.Fset.Position(e.End())
	text, err := c.pass.ReadFile(start.Filename)
	if err != nil || end.Offset > len(text) {
		return types.ExprString(e)
	}
	return string(text[start.Offset:end.Offset])
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
