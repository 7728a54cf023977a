package catalog

import (
	"go/types"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// Increment is SET col = col + $Param, or col = col + By (By negative for
// col - k) when Param is 0.
type Increment struct {
	Column string
	Param  int
	By     int64
}

// increment recognises val, the value SET for col, as an Increment.
func increment(val *pg.Node, col string) (Increment, bool) {
	e := val.GetAExpr()
	if e == nil || e.GetKind() != pg.A_Expr_Kind_AEXPR_OP || len(e.GetName()) != 1 {
		return Increment{}, false
	}
	op := e.GetName()[0].GetString_().GetSval()
	left, right := unwrap(e.GetLexpr()), unwrap(e.GetRexpr())
	if cr := left.GetColumnRef(); cr == nil || columnName(cr) != col || (op != "+" && op != "-") {
		return Increment{}, false
	}
	if tc := right.GetTypeCast(); tc != nil {
		right = unwrap(tc.GetArg())
	}
	if p := right.GetParamRef(); p != nil && p.GetNumber() >= 1 && op == "+" {
		return Increment{Column: col, Param: int(p.GetNumber())}, true
	}
	if ac := right.GetAConst(); ac != nil && ac.GetIval() != nil {
		by := int64(ac.GetIval().GetIval())
		if op == "-" {
			by = -by
		}
		return Increment{Column: col, By: by}, by != 0
	}
	return Increment{}, false
}

// AtomicQuery is a query of a call's sqlc package that adds to a column in
// SQL.
type AtomicQuery struct {
	Func *types.Func
	Fact *QueryFact
	Increment
}

// AtomicQueries returns the queries of the call's sqlc package that
// increment column of table and change no column from a parameter, by name.
func (c *Catalog) AtomicQueries(call *Call, table, column string) []AtomicQuery {
	if call.pkg == "" {
		return nil
	}
	var out []AtomicQuery
	for _, q := range c.queries[call.pkg] {
		if q.stmt.Kind != Update || q.stmt.Table != table || len(q.stmt.Written) > 0 {
			continue
		}
		for _, inc := range q.stmt.Increments {
			if inc.Column == column {
				out = append(out, AtomicQuery{Func: q.fn, Fact: q.fact, Increment: inc})
			}
		}
	}
	return out
}

// Ref returns where the Go value of $n comes from: the call's argument
// (receiver excluded) and, for a params struct, its field. ok is false for
// literal SQL and unknown parameters.
func (c *Call) Ref(n int) (ref ArgRef, ok bool) {
	if c.Literal || n < 1 || n > len(c.refs) {
		return ArgRef{}, false
	}
	return c.refs[n-1], c.refs[n-1].Param >= 0
}
