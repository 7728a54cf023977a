package getorcreate

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
)

func onConflict(ctx context.Context, pool *pgxpool.Pool, token string) (sqlcpgx.Session, error) {
	s, err := q.SessionGet(ctx, pool, token)
	if errors.Is(err, pgx.ErrNoRows) {
		// ok: INSERT ... ON CONFLICT is get-or-create in one statement
		return q.SessionGetOrCreate(ctx, pool, sqlcpgx.SessionGetOrCreateParams{Token: token})
	}
	return s, err
}

func onConflictDoNothing(ctx context.Context, pool *pgxpool.Pool, token string) error {
	if _, err := q.SessionGet(ctx, pool, token); errors.Is(err, pgx.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		_, err = q.SessionCreateIfAbsent(ctx, pool, sqlcpgx.SessionCreateIfAbsentParams{Token: token})
		return err
	}
	return nil
}

func otherTable(ctx context.Context, pool *pgxpool.Pool, token string) error {
	if _, err := q.SessionGet(ctx, pool, token); errors.Is(err, pgx.ErrNoRows) {
		// ok: the insert goes to another table (an audit of the miss)
		return q.AuditInsert(ctx, pool, token)
	}
	return nil
}

func foundBranch(ctx context.Context, pool *pgxpool.Pool, token string) error {
	s, err := q.SessionGet(ctx, pool, token)
	if err != nil {
		return err
	}
	// ok: runs only when the row was found
	_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: s.Token + "-2", UserID: s.UserID})
	return err
}

func nonEmptyList(ctx context.Context, pool *pgxpool.Pool, uid int64) error {
	sessions, err := q.SessionListByUser(ctx, pool, uid)
	if err != nil {
		return err
	}
	if len(sessions) > 0 {
		// ok: inserts when rows exist, not when they are missing
		_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: sessions[0].Token + "x"})
	}
	return err
}

func retryLoop(ctx context.Context, pool *pgxpool.Pool, token string) error {
	for attempt := 0; attempt < 3; attempt++ {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		_, err = q.SessionGet(ctx, tx, token)
		if errors.Is(err, pgx.ErrNoRows) {
			// ok: a fresh transaction per attempt; the loser retries and finds the row
			_, err = q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token})
		}
		if err != nil {
			tx.Rollback(ctx)
			continue
		}
		return tx.Commit(ctx)
	}
	return errors.New("gave up")
}

func rereadOnViolation(ctx context.Context, pool *pgxpool.Pool, token string) (sqlcpgx.Session, error) {
	s, err := q.SessionGet(ctx, pool, token)
	if !errors.Is(err, pgx.ErrNoRows) {
		return s, err
	}
	// ok: outside a transaction, the unique violation is caught and the row read again
	s, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return q.SessionGet(ctx, pool, token)
	}
	return s, err
}

func savepointRollback(ctx context.Context, tx pgx.Tx, token string) (sqlcpgx.Session, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return sqlcpgx.Session{}, err
	}
	s, err := q.SessionCreate(ctx, sp, sqlcpgx.SessionCreateParams{Token: token})
	if err != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return s, rerr
		}
		// ok: rolled back to the savepoint, the transaction is usable again
		return q.SessionGet(ctx, tx, token)
	}
	return s, sp.Commit(ctx)
}

func literalSavepoint(ctx context.Context, tx pgx.Tx, token string) error {
	if _, err := tx.Exec(ctx, "SAVEPOINT create_session"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO audits (token) VALUES ($1)", token); err != nil {
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT create_session"); err != nil {
			return err
		}
		// ok: ROLLBACK TO SAVEPOINT came first
		_, err = tx.Exec(ctx, "UPDATE sessions SET user_id = 0 WHERE token = $1", token)
		return err
	}
	return nil
}

func returnsError(ctx context.Context, tx pgx.Tx, token string) error {
	if _, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token}); err != nil {
		return err // ok: the failure ends the function
	}
	// ok: only runs when the insert succeeded
	return q.AuditInsert(ctx, tx, token)
}

func noRowsIsNotFailure(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionGetForUpdate(ctx, tx, token)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	// ok: "no rows" does not abort the transaction; this is an audit, not the same table
	return q.AuditInsert(ctx, tx, token)
}

func noRowsSwitch(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionGet(ctx, tx, token)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			// ok: ErrNoRows leaves the transaction usable; the audit goes to another table
			return q.AuditInsert(ctx, tx, token)
		}
		return err
	}
	return nil
}

func outsideTransaction(ctx context.Context, pool *pgxpool.Pool, token string) error {
	if _, err := q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token}); err != nil {
		log.Printf("create: %v", err)
		// ok: autocommit statements through the pool do not share an aborted transaction
		return q.AuditInsert(ctx, pool, token)
	}
	return nil
}

func rowsLoop(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, "SELECT name FROM domains")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	// ok: the loop ending is not "no rows"; this insert does not depend on a miss
	_, err = pool.Exec(ctx, "INSERT INTO audits (token) VALUES ($1)", "scan")
	return err
}

func newTxAfterFailure(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		tx.Rollback()
		// ok: the failed transaction was rolled back; this runs on the pool
		_, err = db.ExecContext(ctx, "INSERT INTO audits (token) VALUES ($1)", token)
		return err
	}
	return tx.Commit()
}

func ignoredRace(ctx context.Context, pool *pgxpool.Pool, token string) error {
	if _, err := q.SessionGet(ctx, pool, token); errors.Is(err, pgx.ErrNoRows) {
		//txvet:ignore getorcreate tokens are random 128-bit values, never requested twice
		_, err = q.SessionCreate(ctx, pool, sqlcpgx.SessionCreateParams{Token: token})
		return err
	}
	return nil
}

func readMissInTx(ctx context.Context, tx pgx.Tx, token string) error {
	if _, err := q.SessionGet(ctx, tx, token); err != nil {
		// ok: a one-row read fails with ErrNoRows, decided by the client; the transaction is fine
		return q.AuditInsert(ctx, tx, token)
	}
	return nil
}

func literalReadMissInTx(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id); err != nil {
		// ok: no row is sql.ErrNoRows, not a failed statement
		if _, err := tx.ExecContext(ctx, "INSERT INTO audits (token) VALUES ($1)", token); err != nil {
			return err
		}
	}
	return tx.Commit()
}

var errDuplicate = errors.New("duplicate")

func switchDefaultSucceeded(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return errDuplicate
	case err != nil:
		return err
	default:
		// ok: default is reached only when SessionCreate succeeded
		return q.AuditInsert(ctx, tx, token)
	}
}

func switchCaseNilSucceeded(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := q.SessionCreate(ctx, tx, sqlcpgx.SessionCreateParams{Token: token})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return errDuplicate
	case err == nil:
		// ok: case err == nil is the success branch
		return q.AuditInsert(ctx, tx, token)
	default:
		return err
	}
}

func beginTick(ctx context.Context, pool *pgxpool.Pool) (pgx.Tx, error) { return pool.Begin(ctx) }

func abort(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(ctx) }

func tickLoop(ctx context.Context, pool *pgxpool.Pool, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			tx, err := beginTick(ctx, pool)
			if err != nil {
				continue
			}
			if err := q.AuditInsert(ctx, tx, "tick"); err != nil {
				log.Printf("tick: %v", err)
				abort(ctx, tx)
				continue
			}
			// ok: the failure branch rolled back through a helper; the next tick begins a fresh transaction
			if err := q.AuditInsert(ctx, tx, "tock"); err != nil {
				abort(ctx, tx)
				continue
			}
			_ = tx.Commit(ctx)
		}
	}
}

func freshTxPerItem(ctx context.Context, pool *pgxpool.Pool, tokens []string) {
	for _, t := range tokens {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return
		}
		// ok: each item runs in its own transaction, begun again after a failure
		if err := q.AuditInsert(ctx, tx, t); err != nil {
			log.Printf("skip %s: %v", t, err)
			continue
		}
		_ = tx.Commit(ctx)
	}
}

var errNotFound = errors.New("not found")

// sessionByToken maps "no row" to the store's own error.
func sessionByToken(ctx context.Context, tx pgx.Tx, token string) (sqlcpgx.Session, error) { // want sessionByToken:"miss: getorcreate.errNotFound"
	s, err := q.SessionGet(ctx, tx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, errNotFound
	}
	return s, err
}

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }

func storeNotFoundInTx(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := sessionByToken(ctx, tx, token)
	if errors.Is(err, errNotFound) {
		// ok: the wrapper's "not found" is a one-row read's miss
		return q.AuditInsert(ctx, tx, token)
	}
	return err
}

func notFoundHelperInTx(ctx context.Context, tx pgx.Tx, token string) error {
	if _, err := sessionByToken(ctx, tx, token); err != nil {
		if !isNotFound(err) {
			return err
		}
		// ok: a helper tells the miss apart
		return q.AuditInsert(ctx, tx, token)
	}
	return nil
}

func questionPlaceholders(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES (?)", token); err != nil {
		// ok: ? placeholders are MySQL's or SQLite's, which keep the transaction going
		_, err = tx.ExecContext(ctx, "INSERT INTO audits (token) VALUES (?)", token)
		return err
	}
	return tx.Commit()
}
