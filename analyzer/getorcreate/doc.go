// Package getorcreate defines an Analyzer that reports check-then-insert
// races and statements run in a transaction after one of its statements
// failed.
//
// # Analyzer getorcreate
//
// getorcreate: report check-then-insert and statements run in an aborted transaction
//
// A read that finds no row followed by a plain INSERT of the row is a race:
// two callers both miss, both insert, and the table holds duplicates or the
// loser fails with a unique violation. Reading FOR UPDATE does not help (a
// missing row cannot be locked) and neither does the isolation level (the
// loser still fails). "Not found" is recognised as errors.Is(err,
// pgx.ErrNoRows), err == sql.ErrNoRows (also from sqlx's StructScan of a
// QueryRowx), a switch on err, len(rows) == 0 on a
// :many query or on the slice sqlx's Select filled, rows.Next()
// returning false, or the destination of a one-row read (Get, Scan) still
// zero after it (if tag.ID == 0, if name == "") when the read's ErrNoRows
// was let through and the destination was zero before the read: declared
// there, or just tested zero, and not written since; and a count of 0 or a
// false EXISTS from a read whose one result tells whether rows match
// (SELECT count(*) FROM t WHERE ... without GROUP BY, SELECT EXISTS
// (SELECT 1 FROM t WHERE ...), GORM's Count), tested n == 0, n < 1,
// !exists or on the false branch of n > 0. A count compared with another
// bound (a quota: n >= 5) tells nothing of one row. These hold also when
// err is a named result that a deferred wrap(&err, ...) annotates. A repository that turns "no row" into its own
// sign (its ErrNotFound, a nil result with a nil error, a false found or
// exists result, also the count's n > 0 or the EXISTS it returns) gets a
// fact saying so (MissFact), and its caller's test of the sign is a miss
// too, also through an interface whose implementations agree. A lookup run
// on some paths only (if permanent { lookup }) counts when every path from
// it to the insert passes its miss.
//
// WRONG:
//
//	s, err := q.SessionGet(ctx, db, token)
//	if errors.Is(err, pgx.ErrNoRows) {
//		s, err = q.SessionCreate(ctx, db, db.SessionCreateParams{Token: token, UserID: uid})
//	}
//
// RIGHT: one statement, with a unique index on the key
//
//	-- name: SessionGetOrCreate :one
//	INSERT INTO sessions (token, user_id) VALUES ($1, $2)
//	ON CONFLICT (token) DO UPDATE SET token = EXCLUDED.token
//	RETURNING *;
//
// With GORM: FirstOrCreate (its own read, then its insert), First, Take or
// Find whose errors.Is(err, gorm.ErrRecordNotFound) or RowsAffected == 0
// leads to Create, and FirstOrInit followed by Save of the value it filled
// (Save inserts a value without a primary key):
//
//	db.Where("email = ?", email).FirstOrCreate(&u)
//
// RIGHT: db.Clauses(clause.OnConflict{DoNothing: true}).Create(&u) (or
// UpdateAll / DoUpdates for an upsert), then read the row; or a Create
// whose gorm.ErrDuplicatedKey (with TranslateError) is handled by reading
// the row again, outside a transaction or after rolling back to a
// savepoint (a nested tx.Transaction, or SavePoint and RollbackTo).
//
// The bulk form reads many rows of the table (often all of it), tests the
// candidate values against them (a set built from the rows, slices.Contains,
// a comparison in a nested loop, a filter) and inserts the values that were
// not found, or inserts only when none matched. Concurrent batches read the
// same rows and insert the same new values: duplicates, or a whole batch
// failing on one unique violation. FOR UPDATE locks only the rows that
// exist, not the values about to be inserted, so it is reported too. Rows
// that are only logged, counted or copied into the insert are not a check.
//
// WRONG:
//
//	existing, err := q.DomainNames(ctx, db)
//	known := make(map[string]bool, len(existing))
//	for _, n := range existing {
//		known[n] = true
//	}
//	var fresh []string
//	for _, n := range names {
//		if !known[n] {
//			fresh = append(fresh, n)
//		}
//	}
//	err = q.DomainBulkInsert(ctx, db, fresh)
//
// RIGHT: no read; the unique index decides, in one statement
//
//	-- name: DomainsInsert :many
//	INSERT INTO domains (name) SELECT unnest(@names::text[])
//	ON CONFLICT (name) DO NOTHING
//	RETURNING name;
//
// The analyzer also reports a statement run in a transaction after an
// earlier statement of the same transaction failed and execution went on
// (typically: insert, catch the unique violation, read the row again).
// PostgreSQL aborts the transaction on any error; every later statement
// fails with "current transaction is aborted" until ROLLBACK. Run the
// statement that may fail in a savepoint (pgx: tx.Begin; GORM: a nested
// tx.Transaction, or tx.SavePoint and tx.RollbackTo; SQL: SAVEPOINT and
// ROLLBACK TO SAVEPOINT) and roll back to it, or return the error and retry
// the whole transaction.
//
// Not reported there: a one-row read (a sqlc :one query, QueryRow) whose
// error is taken as "not found" (err != nil, errors.Is(err, ErrNotFound)):
// ErrNoRows is made up by the client and leaves the transaction usable, so
// only a branch that has told it apart from a server error (errors.As,
// !errors.Is(err, pgx.ErrNoRows)) counts as after a failure (the
// check-then-insert rule above still applies to the miss); the branch
// where the error of a wrapper (a repository's method) is one of the
// program's own (errors.Is(err, ErrNotFound) after a delete that found no
// row: the method may make it up with no statement failing); the branch of a
// switch or an if taken only when the error is nil (default: after case
// err != nil, case err == nil); statements after Rollback, Commit, or a
// helper that ends the transaction; and statements after the call that
// begins the transaction again, as in a loop that begins a fresh
// transaction per tick or per item. The transaction may be carried in a
// context (a runner's callback context, ctx = WithTx(ctx, tx)) or held in
// a struct; on a handle whose transaction is not known (the caller's
// context, a DBTX parameter, which may be the pool) nothing is reported.
//
// The rule is PostgreSQL's: SQLite and MySQL undo only the failed statement
// and the transaction goes on. A pgx transaction (v4 or v5) is
// PostgreSQL's; for database/sql and sqlx, SQL written with ? placeholders
// is not known to be PostgreSQL's (its drivers take $n) unless it passes
// through sqlx's Rebind in sight (db.Rebind("... ?"), sqlx.Rebind(bindType,
// "... ?")), which gives it to the driver, and otherwise the driver decides, as seen from the
// package: the driver packages it and its dependencies import (lib/pq and
// pgx's stdlib; mattn/go-sqlite3, modernc.org/sqlite,
// ncruces/go-sqlite3/driver, go-sql-driver/mysql) and the driver names it
// passes to sql.Open. When only SQLite or MySQL drivers are in sight the
// rule is not applied. When none is (the driver is often imported by main,
// which a library package cannot see) or both kinds are, PostgreSQL is
// assumed, as everywhere else in txvet.
//
// A finding is silenced with //txvet:ignore getorcreate <reason> on its line
// or the line above.
package getorcreate
