package getorcreate

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// CountToday adds today's row or bumps it, picking by a count: two first
// events of the day both count 0 and both insert.
func CountToday(ctx context.Context, tx *sqlx.Tx, user int64, day time.Time) error {
	var current int
	if err := tx.GetContext(ctx, &current, "SELECT COUNT(*) FROM counts WHERE user_id = $1 AND day = $2", user, day); err != nil {
		return err
	}
	if current > 0 {
		_, err := tx.ExecContext(ctx, "UPDATE counts SET n = n + 1 WHERE user_id = $1 AND day = $2", user, day)
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO counts (user_id, day, n) VALUES ($1, $2, 1)", user, day) // want `ExecContext inserts into counts after GetContext at line 14 counted no rows`
	return err
}

// Subscribe asks EXISTS with ? placeholders rebound for PostgreSQL.
func Subscribe(db *sqlx.DB, user int64, topic string) error {
	var exists bool
	if err := db.Get(&exists, db.Rebind("SELECT EXISTS(SELECT 1 FROM subscriptions WHERE user_id = ? AND topic = ?)"), user, topic); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := db.NamedExec("INSERT INTO subscriptions (user_id, topic) VALUES (:user_id, :topic)", map[string]any{"user_id": user, "topic": topic}) // want `NamedExec inserts into subscriptions after Get at line 28 found no row \(EXISTS false\)`
	return err
}

// Claim inserts a claim when a count over the package-level helper says
// there is none.
func Claim(ctx context.Context, db *sqlx.DB, code string, user int64) error {
	var n int64
	if err := sqlx.GetContext(ctx, db, &n, "SELECT count(*) FROM claims WHERE code = $1", code); err != nil {
		return err
	}
	if n < 1 {
		_, err := db.ExecContext(ctx, "INSERT INTO claims (code, user_id) VALUES ($1, $2)", code, user) // want `ExecContext inserts into claims after GetContext at line 42 counted no rows`
		return err
	}
	return nil
}

// ok: the insert is an upsert; the count only picks the message.
func CountTodayUpsert(ctx context.Context, tx *sqlx.Tx, user int64, day time.Time) (bool, error) {
	var current int
	if err := tx.GetContext(ctx, &current, "SELECT COUNT(*) FROM counts WHERE user_id = $1 AND day = $2", user, day); err != nil {
		return false, err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO counts (user_id, day, n) VALUES ($1, $2, 1) ON CONFLICT (user_id, day) DO UPDATE SET n = counts.n + 1", user, day)
	return current == 0, err
}

// ok: a limit on how many rows a user holds, not a check for one row: the
// insert runs for any count under the limit.
func AddDevice(ctx context.Context, db *sqlx.DB, user int64, name string) error {
	var n int
	if err := db.GetContext(ctx, &n, "SELECT count(*) FROM devices WHERE user_id = $1", user); err != nil {
		return err
	}
	if n > 10 {
		return nil
	}
	_, err := db.ExecContext(ctx, "INSERT INTO devices (user_id, name) VALUES ($1, $2)", user, name)
	return err
}

// ok: sum is no count: it is 0 (or NULL) for rows whose values add to 0
// as well.
func Balance(ctx context.Context, db *sqlx.DB, user int64) error {
	var total int64
	if err := db.GetContext(ctx, &total, "SELECT coalesce(sum(amount), 0) FROM entries WHERE user_id = $1", user); err != nil {
		return err
	}
	if total == 0 {
		_, err := db.ExecContext(ctx, "INSERT INTO entries (user_id, amount) VALUES ($1, 0)", user)
		return err
	}
	return nil
}
