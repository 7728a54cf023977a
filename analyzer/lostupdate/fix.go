package lostupdate

import (
	"go/ast"
	"go/token"
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
	if !r.Literal || !r.Stmt.ForUpdateAppendable {
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
	pos := r.instr.Pos()
	for _, f := range c.pass.Files {
		if pos < f.FileStart || pos >= f.FileEnd {
			continue
		}
		path, _ := astutil.PathEnclosingInterval(f, pos, pos)
		for _, n := range path {
			call, ok := n.(*ast.CallExpr)
			if !ok || call.Lparen != pos {
				continue
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
		}
	}
	return nil
}
