package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// uses renders a statement's parameter uses as "$n:role:column ...".
func uses(s *Statement) string {
	var parts []string
	for _, u := range s.Uses {
		parts = append(parts, fmt.Sprintf("$%d:%s:%s", u.Param, u.Role, u.Column))
	}
	return strings.Join(parts, " ")
}

func TestClassify(t *testing.T) {
	tests := []struct {
		sql, describe, uses string
	}{
		{"-- name: GetRecord :one\nSELECT * FROM records WHERE id = $1", "read records", "$1:predicate:id"},
		{"SELECT id, n FROM t WHERE id = $1 FOR UPDATE", "read FOR UPDATE t", "$1:predicate:id"},
		{"SELECT * FROM t WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED", "read FOR NO KEY UPDATE t", "$1:predicate:id"},
		{"SELECT * FROM t WHERE id = $1 FOR SHARE", "read FOR SHARE t", "$1:predicate:id"},
		{"SELECT * FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", "read FOR UPDATE outbox", "$1:other:"},
		{"UPDATE records SET counter = $2 WHERE id = $1", "update records", "$2:overwrite:counter $1:predicate:id"},
		{"UPDATE posts SET likes = likes + $1 WHERE id = $2 RETURNING likes", "update atomic posts", "$1:delta:likes $2:predicate:id"},
		{"UPDATE t SET status = $1, version = version + 1 WHERE id = $2 AND version = $3", "update atomic cas t", "$1:overwrite:status $2:predicate:id $3:predicate:version"},
		{"UPDATE t SET status = $2 WHERE id = $1 AND status = ANY($3::text[])", "update cas t", "$2:overwrite:status $1:predicate:id $3:predicate:status"},
		{"UPDATE t SET name = COALESCE($1, name) WHERE id = $2", "update t", "$1:overwrite:name $2:predicate:id"},
		{"UPDATE t SET n = $1 + 1 WHERE id = $2", "update t", "$1:overwrite:n $2:predicate:id"},
		{"INSERT INTO sessions (token, user_id) VALUES ($1, $2)", "insert sessions", "$1:value:token $2:value:user_id"},
		{"INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", "insert on conflict do nothing inbox", "$1:value:consumer $2:value:message_id"},
		{"INSERT INTO c (k, n) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = EXCLUDED.n", "upsert c", "$1:value:k $2:overwrite:n"},
		{"INSERT INTO c (k, n) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = c.n + EXCLUDED.n", "upsert atomic c", "$1:value:k $2:value:n"},
		{"INSERT INTO c (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1", "upsert atomic c", "$1:value:k"},
		{"INSERT INTO jobs (k, input) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET k = EXCLUDED.k RETURNING jobs.*", "upsert jobs", "$1:value:k $2:value:input"},
		{"INSERT INTO domains (name) SELECT DISTINCT n FROM unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING RETURNING name", "insert on conflict do nothing domains", "$1:other:"},
		{"DELETE FROM t WHERE id = $1", "delete t", "$1:predicate:id"},
		{"UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[]) AND published_at IS NULL", "update cas outbox", "$1:predicate:id"},
		{"SELECT count(*) FROM a JOIN b ON b.a_id = a.id WHERE a.x = $1", "read a", "$1:predicate:x"},
		{"UPDATE records SET counter = ? WHERE id = ?", "update records", "$1:overwrite:counter $2:predicate:id"},
		{"UPDATE posts SET likes = likes + ? WHERE id = ?", "update atomic posts", "$1:delta:likes $2:predicate:id"},
		{"SELECT counter FROM records WHERE id = ? FOR UPDATE", "read FOR UPDATE records", "$1:predicate:id"},
		{"INSERT INTO c (k, n) VALUES (?, ?) ON CONFLICT (k) DO NOTHING", "insert on conflict do nothing c", "$1:value:k $2:value:n"},
		{"INSERT INTO c (k, n) VALUES (?, ?) ON DUPLICATE KEY UPDATE n = VALUES(n)", "unknown", ""}, // MySQL's: not PostgreSQL's even rewritten
		{"SELECT * FROM `records` WHERE id = ?", "unknown", ""},
		{"not sql at all", "unknown", ""},
		{"SELECT 1; SELECT 2", "unknown", ""},
	}
	for _, tt := range tests {
		s := Classify(tt.sql)
		if got := s.Describe(); got != tt.describe {
			t.Errorf("Classify(%q).Describe() = %q, want %q", tt.sql, got, tt.describe)
		}
		if got := uses(s); got != tt.uses {
			t.Errorf("Classify(%q) uses = %q, want %q", tt.sql, got, tt.uses)
		}
	}
	for sql, want := range map[string]bool{
		"-- name: GetAuthor :one\nSELECT id, name FROM authors WHERE id = ? LIMIT 1": true,
		"SELECT * FROM t WHERE id = $1":                                              false,
		"SELECT * FROM docs WHERE data ? 'key'":                                      false, // jsonb's ? operator
		"not sql at all":                                                             false,
	} {
		if got := Classify(sql).QuestionParams; got != want {
			t.Errorf("Classify(%q).QuestionParams = %v, want %v", sql, got, want)
		}
	}
	if s := ClassifyRebound("UPDATE records SET counter = ? WHERE id = ?"); s.QuestionParams || uses(s) != "$1:overwrite:counter $2:predicate:id" {
		t.Errorf("ClassifyRebound: QuestionParams %v, uses %q", s.QuestionParams, uses(s))
	}
	if s := Classify("-- name: GetRecord :one\nSELECT 1"); s.Name != "GetRecord" || s.Cmd != ":one" {
		t.Errorf("sqlc header = %q %q", s.Name, s.Cmd)
	}
}

func TestForUpdateAppendable(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT visits FROM items WHERE id = $1":                       true,
		"SELECT * FROM t WHERE id = $1 ORDER BY id LIMIT 1":            true,
		"SELECT i.n FROM items AS i WHERE i.id = $1":                   true,
		"SELECT n FROM t WHERE id = $1 FOR UPDATE":                     false, // locks already
		"SELECT count(*) FROM t WHERE k = $1":                          false, // aggregate
		"SELECT coalesce(n, 0) FROM t WHERE id = $1":                   false,
		"SELECT DISTINCT n FROM t":                                     false,
		"SELECT k FROM t GROUP BY k":                                   false,
		"SELECT n FROM a UNION SELECT n FROM b":                        false,
		"SELECT a.n FROM a JOIN b ON b.a_id = a.id WHERE a.id = $1":    false,
		"WITH x AS (SELECT n FROM t) SELECT n FROM x":                  false,
		"SELECT n FROM (SELECT n FROM t) AS s":                         false,
		"UPDATE t SET n = $1 WHERE id = $2":                            false,
		"-- name: RecordGet :one\nSELECT * FROM records WHERE id = $1": true,
	} {
		if got := Classify(sql).ForUpdateAppendable; got != want {
			t.Errorf("Classify(%q).ForUpdateAppendable = %v, want %v", sql, got, want)
		}
	}
}

func TestIsolation(t *testing.T) {
	for sql, want := range map[string]string{
		"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE":                            "serializable",
		"set transaction isolation level\n  repeatable   read":                    "repeatable read",
		"SET TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY":               "read committed",
		"SET TRANSACTION READ ONLY":                                               "",
		"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE": "", // later transactions
		"SET statement_timeout = 0":                                               "",
		"SELECT 1":                                                                "",
	} {
		if got := Classify(sql).Isolation; got != want {
			t.Errorf("Classify(%q).Isolation = %q, want %q", sql, got, want)
		}
	}
}

func TestProbe(t *testing.T) {
	for sql, want := range map[string]Probe{
		"SELECT COUNT(*) FROM daily WHERE user_id = $1 AND day = $2":       ProbeCount,
		"SELECT count(id) AS n FROM daily WHERE user_id = ?":               ProbeCount,
		"SELECT EXISTS(SELECT 1 FROM daily WHERE user_id = $1)":            ProbeExists,
		"SELECT exists (SELECT * FROM daily WHERE day = $1) AS e":          ProbeExists,
		"SELECT count(*) FROM daily WHERE user_id = $1 GROUP BY day":       NoProbe, // a row per day, none when nothing matches
		"SELECT count(*) FILTER (WHERE n > 0) FROM daily":                  NoProbe,
		"SELECT count(*), max(n) FROM daily WHERE user_id = $1":            NoProbe,
		"SELECT count(*) FROM daily d JOIN users u ON u.id = d.user_id":    NoProbe,
		"SELECT EXISTS(SELECT 1 FROM daily WHERE user_id = $1) FROM users": NoProbe,
		"SELECT NOT EXISTS(SELECT 1 FROM daily WHERE user_id = $1)":        NoProbe,
		"SELECT sum(n) FROM daily WHERE user_id = $1":                      NoProbe,
		"SELECT 1 FROM daily WHERE user_id = $1":                           NoProbe,
	} {
		if got := Classify(sql).Probe; got != want {
			t.Errorf("Classify(%q).Probe = %v, want %v", sql, got, want)
		}
	}
	st := Classify("SELECT EXISTS(SELECT 1 FROM daily WHERE user_id = $1 AND day = $2)")
	if st.Kind != Read || st.Table != "daily" || !slices.Equal(st.Keys, []string{"user_id", "day"}) || len(st.UsesOf(2)) != 1 || st.UsesOf(2)[0].Role != Predicate {
		t.Errorf("EXISTS probe: %+v, want a read of daily keyed by user_id and day", st)
	}
}

func TestDollars(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT * FROM t WHERE a = ? AND b = ?":          "SELECT * FROM t WHERE a = $1 AND b = $2",
		"SELECT '?', \"col?\" FROM t WHERE a = ?":        "SELECT '?', \"col?\" FROM t WHERE a = $1",
		"SELECT 'it''s ?' FROM t WHERE a = ? -- b = ?\n": "SELECT 'it''s ?' FROM t WHERE a = $1 -- b = ?\n",
		"SELECT /* ? */ x FROM t WHERE a IN (?, ?)":      "SELECT /* ? */ x FROM t WHERE a IN ($1, $2)",
		"SELECT 'unterminated ? FROM t WHERE a = ?":      "SELECT 'unterminated ? FROM t WHERE a = ?",
		"SELECT * FROM t WHERE a = $1":                   "SELECT * FROM t WHERE a = $1",
	} {
		if got := Dollars(sql); got != want {
			t.Errorf("Dollars(%q) = %q, want %q", sql, got, want)
		}
	}
}

func TestNamed(t *testing.T) {
	for _, tt := range []struct{ sql, want, names string }{
		{"UPDATE t SET n = :n WHERE id = :id", "UPDATE t SET n = $1 WHERE id = $2", "n id"},
		{"SELECT * FROM t WHERE a = :a OR b = :a", "SELECT * FROM t WHERE a = $1 OR b = $2", "a a"},
		{"SELECT n::::int FROM t WHERE u.id = :u.id", "SELECT n::int FROM t WHERE u.id = $1", "u.id"},
		{"SELECT x := 1, ':' FROM t", "SELECT x := 1, ':' FROM t", ""},
	} {
		got, names := Named(tt.sql)
		if got != tt.want || strings.Join(names, " ") != tt.names {
			t.Errorf("Named(%q) = %q, %q; want %q, %q", tt.sql, got, names, tt.want, tt.names)
		}
	}
}

func TestIncrements(t *testing.T) {
	for sql, want := range map[string]string{
		"UPDATE posts SET likes = likes + $1 WHERE id = $2":           "[{likes 1 0}]",
		"UPDATE records SET counter = counter + 1 WHERE id = $1":      "[{counter 0 1}]",
		"UPDATE t SET n = n - 2, version = version + 1 WHERE id = $1": "[{n 0 -2} {version 0 1}]",
		"UPDATE t SET n = n + $1::bigint WHERE id = $2":               "[{n 1 0}]",
		"UPDATE t SET n = n - $1 WHERE id = $2":                       "[]", // not an increment by $1
		"UPDATE t SET n = n * 2 WHERE id = $1":                        "[]",
		"UPDATE t SET n = $1 WHERE id = $2":                           "[]",
	} {
		if got := fmt.Sprint(Classify(sql).Increments); got != want {
			t.Errorf("Classify(%q).Increments = %s, want %s", sql, got, want)
		}
	}
}
