package catalog

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// The SQL classification never fails and never contradicts itself on
// any input: a statement PostgreSQL parses as one SELECT, INSERT, UPDATE
// or DELETE gets that kind (a panic in the walk over its tree would leave
// it unknown), the fields agree with each other, and the same statement
// as PostgreSQL prints it back (pg_query's deparser: other spacing, case,
// parentheses, no comments; the same tree) is classified the same.
func FuzzClassify(f *testing.F) {
	for _, seed := range []string{
		"-- name: GetRecord :one\nSELECT * FROM records WHERE id = $1",
		"SELECT * FROM t WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
		"UPDATE t SET status = $1, version = version + 1 WHERE id = $2 AND version = $3",
		"INSERT INTO c (k, n) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = c.n + EXCLUDED.n",
		"INSERT INTO domains (name) SELECT DISTINCT n FROM unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING RETURNING name",
		"WITH moved AS (DELETE FROM a WHERE id = $1 RETURNING *) INSERT INTO b SELECT * FROM moved",
		"DELETE FROM t USING u WHERE t.u_id = u.id AND u.name = $1 RETURNING t.*",
		"SELECT 1 UNION SELECT $2 FROM x WHERE y = $1",
		"SELECT * FROM docs WHERE data ? 'key'",
		"SELECT id FROM authors WHERE id = ? LIMIT 1",
		"SELECT 1; SELECT 2", "", "not sql", "\x00", "SELECT '\xff'",
	} {
		f.Add(seed)
	}
	// Every reviewed query of the pipeline.
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "queries", "*.sql"))
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for q := range strings.SplitSeq(string(text), "-- name:") {
			if strings.TrimSpace(q) != "" {
				f.Add("-- name:" + q)
			}
		}
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st := classify(sql)
		checkFields(t, sql, st)
		tree, err := pg.Parse(sql)
		if err != nil || len(tree.GetStmts()) != 1 {
			return
		}
		if want := kindOf(tree.GetStmts()[0].GetStmt()); st.Kind != want {
			t.Fatalf("%q parses as %s but is classified %s", sql, want, st.Kind)
		}
		printed, err := pg.Deparse(tree)
		if err != nil {
			return // the deparser does not cover every tree
		}
		// The deparser drops parentheses some trees need ("x BETWEEN a AND
		// (b > 0)" comes back as "x BETWEEN a AND b > 0"): only a printed
		// form with the same tree (fingerprint) must be classified the same.
		before, err1 := pg.Fingerprint(sql)
		after, err2 := pg.Fingerprint(printed)
		if err1 != nil || err2 != nil || before != after {
			return
		}
		if got, want := comparable(classify(printed)), comparable(st); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q and its deparsed form %q are classified differently:\n%+v\n%+v", sql, printed, want, got)
		}
	})
}

// kindOf is the kind a parsed statement has.
func kindOf(n *pg.Node) Kind {
	switch {
	case n.GetSelectStmt() != nil:
		return Read
	case n.GetInsertStmt() != nil:
		return Insert
	case n.GetUpdateStmt() != nil:
		return Update
	case n.GetDeleteStmt() != nil:
		return Delete
	}
	return Unknown
}

// checkFields fails t when st's fields contradict each other.
func checkFields(t *testing.T, sql string, st *Statement) {
	t.Helper()
	fail := func(what string) { t.Fatalf("%q: %s: %+v", sql, what, st) }
	maxParam := 0
	for _, u := range st.Uses {
		if u.Param < 1 {
			fail("a parameter use below $1")
		}
		maxParam = max(maxParam, u.Param)
	}
	if st.NumParams != maxParam {
		fail("NumParams is not the highest parameter used")
	}
	if st.Table != "" && !slices.Contains(st.Tables, st.Table) {
		fail("Table is not among Tables")
	}
	if st.Conflict != NoConflict && st.Kind != Insert {
		fail("an ON CONFLICT clause on a statement that is not an insert")
	}
	if st.Lock != NoLock && st.Kind != Read {
		fail("a row lock on a statement that is not a read")
	}
	if (st.SkipLocked || st.NoWait) && st.Lock == NoLock {
		fail("SKIP LOCKED or NOWAIT without a lock")
	}
	if st.Atomic != (len(st.Computed) > 0) {
		fail("Atomic disagrees with Computed")
	}
	if st.CAS && st.Kind != Update {
		fail("CAS on a statement that is not an update")
	}
	if len(st.Written) > 0 && st.Kind != Update && st.Conflict != DoUpdate {
		fail("columns written by a statement that updates no row")
	}
	if st.QuestionParams {
		if _, err := pg.Parse(sql); err == nil {
			fail("QuestionParams on SQL PostgreSQL parses as written")
		}
	}
}

// comparable is st without what comes from the text rather than the tree:
// the sqlc header (a comment) and the ? heuristic (unparsable text only).
func comparable(st *Statement) Statement {
	c := *st
	c.Name, c.Cmd, c.QuestionParams = "", "", false
	return c
}
