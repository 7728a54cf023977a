// Package lostupdate defines an Analyzer that reports values read without a
// lock and written back to the same row.
//
// # Analyzer lostupdate
//
// lostupdate: report values read without a lock and written back
//
// Two transactions that read a row, compute a new value in Go and write it
// back interleave as read A, read B, write A, write B: B's write is based on
// the value before A's, and A's change is lost. The check follows values
// from a plain read (a sqlc query, a wrapper of one, or literal SQL given to
// pgx v4 or v5, database/sql or sqlx, whose Get scans into its destination
// and whose rows' StructScan into its argument;
// SQL written with ? placeholders is read as a driver rebinding it to $n
// sees it; a repository method running one such statement, whose result
// holds the fields its Scan or Get fills) through
// row struct fields, params structs, local variables, arithmetic and helper
// functions into the SET list of an UPDATE, the DO UPDATE SET ... EXCLUDED
// list of an upsert, or the fields of a full-row save of the same table.
//
// WRONG (sqlc's own transaction how-to):
//
//	r, err := qtx.GetRecord(ctx, id)
//	...
//	err = qtx.UpdateRecord(ctx, db.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1})
//
// RIGHT: let the database compute the value
//
//	-- name: IncrementRecord :exec
//	UPDATE records SET counter = counter + 1 WHERE id = $1;
//
// GORM chains are understood as the SQL they send: First, Take, Find or
// FirstOrCreate into a variable, field edits, then Save(&v) (every column
// written back, the Django save() of Go), Updates with a struct or map, Update or
// UpdateColumn with a value computed from the read, or gorm.Expr("? + 1",
// v.N) with the stale value as its parameter; Save of rows read by Find
// (an upsert of every column), Create with a clause.OnConflict whose
// DoUpdates or UpdateAll sets a column to a value read, Raw reads and Exec
// writes as their SQL says; Assign's values FirstOrCreate writes over the
// row it finds; Select and Omit narrow the columns written:
//
//	var w Wallet
//	tx.First(&w, id)
//	w.Balance += 10
//	tx.Save(&w)
//
// RIGHT: tx.Model(&w).Update("balance", gorm.Expr("balance + ?", 10)), or
// tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id) on the same
// transaction (not on the outer *gorm.DB, whose lock is another
// transaction's), or db.Transaction(fn, &sql.TxOptions{Isolation:
// sql.LevelSerializable}) retried. A chain whose model or table is not
// known statically, or that holds a method txvet does not model, is left
// alone.
//
// Otherwise read the row FOR UPDATE (FOR NO KEY UPDATE) in the writing transaction,
// run the transaction at REPEATABLE READ or SERIALIZABLE and retry it, or
// make the write a compare-and-set on a version read with the value
// (UPDATE ... WHERE id = $1 AND version = $2). The level counts whether it
// is given as transaction options or by SET TRANSACTION ISOLATION LEVEL as
// the transaction's first statement (PostgreSQL refuses it later), and the
// level and the lock count when they are taken inside the project's own
// wrapper (repo.InSerializableTx(ctx, func(tx pgx.Tx) error {...}), or one
// that locks the row FOR UPDATE before calling the callback) or helper
// (locks.Account(ctx, tx, id), serializable(ctx, tx), running the lock or
// SET TRANSACTION on the transaction it is given, holds or finds in the
// context), followed across packages through facts. The transaction is followed where the
// code keeps it: in a context.Context (ctx = WithTx(ctx, tx), repositories
// picking it with From(ctx, pool)), in a struct field (a unit of work's
// u.tx, repo.WithTx(tx), sqlc's q.WithTx(tx)), behind an interface (sqlc's
// Querier, a repository interface) whose implementations agree. Statements
// on a handle whose transaction is not known (a context or DBTX parameter)
// share it: a lock through it counts. A lock taken through the pool, or in
// another or already committed transaction, protects nothing, and neither
// does a lock taken after the value was read, nor one on another table or
// evidently on another row (looked up by another parameter or constant).
//
// A value found empty and replaced by a fresh one (a new random code) is not
// written back: where it was not empty the row gets what it had, or the
// write runs only where it was found empty (if code == "" { code = fresh();
// UPDATE ... SET code = $1 }). It is reported as what it is: two callers
// can both find it empty, and the later write replaces the value the first
// one set (and maybe handed out). Not reported when the UPDATE fills it in
// only where it is still empty (its WHERE compares the column with the
// empty value), when the write runs only where it was found empty and the
// function does not return the value written, a constant aside (no caller
// hands out a value another replaces), nor under the protections above.
//
// A finding is silenced with //txvet:ignore lostupdate <reason> on its line
// or the line above.
package lostupdate
