package getorcreate

import (
	"context"
	"database/sql"
	"errors"
	"log"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
	"sqlcstd"
)

var q = sqlcpgx.New()

// S3: get_or_create keyed by a column.
func getOrCreate(ctx context.Context, pool *pgxpool.Pool, token string, uid int64) (sqlcpgx.Session, error) {
	s, err := q.SessionGet(ctx, pool, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token, UserID: uid}) // want `SessionCreate inserts into sessions after SessionGet at line 21 found no row \(get-or-create race: two callers can both miss and both insert; insert with ON CONFLICT in one statement \(SessionCreateIfAbsent does\)\)`
	}
	return s, err
}

// The same with the error checked first.
func getOrCreateEarlyReturn(ctx context.Context, pool *pgxpool.Pool, token string) (sqlcpgx.Session, error) {
	s, err := q.SessionGet(ctx, pool, token)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return s, err
	}
	return q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGet at line 30 found no row`
}

// FOR UPDATE on a row that does not exist locks nothing.
func forUpdateMissing(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionGetForUpdate(ctx, tx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGetForUpdate at line 42 found no row \(get-or-create race: FOR UPDATE on a missing row locks nothing, so two callers`
	}
	return err
}

// Serializable does not save check-then-insert: the loser still fails.
func serializable(ctx context.Context, pool *pgxpool.Pool, token string) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := q.SessionGet(ctx, tx, token); errors.Is(err, pgx.ErrNoRows) {
			_, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGet at line 52 found no row`
			return err
		}
		return nil
	})
}

// database/sql: err == sql.ErrNoRows.
func sqlErrNoRows(ctx context.Context, db *sql.DB, token string) error {
	queries := sqlcstd.New(db)
	_, err := queries.GetSession(ctx, token)
	if err == sql.ErrNoRows {
		_, err = queries.CreateSession(ctx, token) // want `CreateSession inserts into sessions after GetSession at line 63 found no row`
	}
	return err
}

// A switch on the error.
func switchOnErr(ctx context.Context, pool *pgxpool.Pool, token string) error {
	_, err := q.SessionGet(ctx, pool, token)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGet at line 72 found no row`
		return err
	default:
		return err
	}
}

// A switch on the error value.
func switchOnErrValue(ctx context.Context, db *sql.DB, token string) error {
	queries := sqlcstd.New(db)
	_, err := queries.GetSession(ctx, token)
	switch err {
	case nil:
		return nil
	case sql.ErrNoRows:
		_, err = queries.CreateSession(ctx, token) // want `CreateSession inserts into sessions after GetSession at line 87 found no row`
	}
	return err
}

// An empty :many result.
func emptyList(ctx context.Context, pool *pgxpool.Pool, uid int64) error {
	sessions, err := q.SessionListByUser(ctx, pool, uid)
	if err != nil {
		return err
	}
	if len(sessions) == 0 {
		_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: "default", UserID: uid}) // want `SessionCreate inserts into sessions after SessionListByUser at line 99 returned no rows`
	}
	return err
}

// A non-empty check with the insert after it.
func nonEmptyReturn(ctx context.Context, pool *pgxpool.Pool, uid int64) error {
	sessions, err := q.SessionListByUser(ctx, pool, uid)
	if err != nil {
		return err
	}
	if len(sessions) > 0 {
		return nil
	}
	_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{UserID: uid}) // want `SessionCreate inserts into sessions after SessionListByUser at line 111 returned no rows`
	return err
}

// Literal SQL and rows.Next() returning false.
func rowsNext(ctx context.Context, pool *pgxpool.Pool, name string) error {
	rows, err := pool.Query(ctx, "SELECT name FROM domains WHERE name = $1", name)
	if err != nil {
		return err
	}
	if !rows.Next() {
		rows.Close()
		_, err = pool.Exec(ctx, "INSERT INTO domains (name) VALUES ($1)", name) // want `Exec inserts into domains after Query at line 122 returned no rows|found no row`
		return err
	}
	rows.Close()
	return nil
}

// Literal QueryRow and Scan.
func literalScan(ctx context.Context, tx pgx.Tx, token string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.Exec(ctx, "INSERT INTO sessions (token) VALUES ($1)", token) // want `Exec inserts into sessions after QueryRow at line 140 found no row`
	}
	return err
}

// Any error taken as "absent".
func anyError(ctx context.Context, pool *pgxpool.Pool, token string) error {
	if _, err := q.SessionGet(ctx, pool, token); err != nil {
		_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGet at line 149 found no row`
		return err
	}
	return nil
}

// S4: a statement after a failed statement in the same transaction.
func afterUniqueViolation(ctx context.Context, tx pgx.Tx, token string) (sqlcpgx.Session, error) {
	s, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return q.SessionGet(ctx, tx, token) // want `SessionGet runs in the transaction after SessionCreate at line 158 failed \(PostgreSQL aborted the transaction: every statement fails until ROLLBACK; run SessionCreate in a savepoint \(tx.Begin\) and roll back to it, or return the error\)`
	}
	return s, err
}

// S4 with err != nil and a write after it.
func afterFailedInsert(ctx context.Context, pool *pgxpool.Pool, token string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token}); err != nil {
		if err := q.AuditInsert(ctx, tx, token); err != nil { // want `AuditInsert runs in the transaction after SessionCreate at line 173 failed`
			return err
		}
	}
	return tx.Commit(ctx)
}

// S4 through literal SQL in a database/sql transaction.
func afterFailedExecSQL(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		_, err = tx.ExecContext(ctx, "UPDATE sessions SET user_id = 0 WHERE token = $1", token) // want `ExecContext runs in the transaction after ExecContext at line 188 failed`
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// S4: a loop that keeps going in the same transaction after a failure.
func loopContinues(ctx context.Context, tx pgx.Tx, tokens []string) error {
	for _, t := range tokens {
		if err := q.AuditInsert(ctx, tx, t); err != nil { // want `AuditInsert runs in the transaction after AuditInsert at line 200 failed`
			log.Printf("skip %s: %v", t, err)
			continue
		}
	}
	return nil
}

// Through sqlc's WithTx.
func withTxAfterFailure(ctx context.Context, db *sql.DB, queries *sqlcstd.Queries, token string) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	qtx := queries.WithTx(tx)
	if _, err := qtx.CreateSession(ctx, token); err != nil {
		if _, err := qtx.GetSession(ctx, token); err != nil { // want `GetSession runs in the transaction after CreateSession at line 216 failed`
			return err
		}
	}
	return tx.Commit()
}

// A one-row read that failed for another reason than "no row".
func readFailedInTx(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionGet(ctx, tx, token)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		log.Printf("get: %v", err)
		return q.AuditInsert(ctx, tx, token) // want `AuditInsert runs in the transaction after SessionGet at line 226 failed`
	}
	return nil
}

// Check-then-insert in a transaction: the miss leaves the transaction usable,
// and the race is the one reported.
func readMissInsertInTx(ctx context.Context, tx pgx.Tx, token string) error {
	if _, err := q.SessionGet(ctx, tx, token); err != nil {
		_, err = q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token}) // want `SessionCreate inserts into sessions after SessionGet at line 237 found no row`
		return err
	}
	return nil
}

// A switch whose success branch follows a failure that is not caught.
func switchFallsThrough(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		log.Printf("duplicate %s", token)
	case err != nil:
		return err
	}
	return q.AuditInsert(ctx, tx, token) // want `AuditInsert runs in the transaction after SessionCreate at line 246 failed`
}

// A loop over one transaction begun before it.
func oneTxForAll(ctx context.Context, pool *pgxpool.Pool, tokens []string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if err := q.AuditInsert(ctx, tx, t); err != nil { // want `AuditInsert runs in the transaction after AuditInsert at line 264 failed`
			log.Printf("skip %s: %v", t, err)
			continue
		}
	}
	return tx.Commit(ctx)
}
