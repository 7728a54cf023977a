package session

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A count or an EXISTS tells "no row" as well as ErrNoRows does: two
// callers both count 0 and both insert.

// RecordDay adds a user's first visit of the day.
func RecordDay(ctx context.Context, tx pgx.Tx, user int64, day string) error {
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM visits WHERE user_id = $1 AND day = $2", user, day).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		_, err := tx.Exec(ctx, "UPDATE visits SET hits = hits + 1 WHERE user_id = $1 AND day = $2", user, day)
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO visits (user_id, day, hits) VALUES ($1, $2, 1)", user, day) // want `Exec inserts into visits after QueryRow at line 17 counted no rows`
	return err
}

// Follow inserts a follow unless it exists.
func Follow(ctx context.Context, pool *pgxpool.Pool, from, to int64) error {
	var exists bool
	err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM follows WHERE follower = $1 AND followee = $2)", from, to).Scan(&exists)
	if err != nil {
		return err
	}
	if !exists {
		_, err = pool.Exec(ctx, "INSERT INTO follows (follower, followee) VALUES ($1, $2)", from, to) // want `Exec inserts into follows after QueryRow at line 31 found no row \(EXISTS false\)`
	}
	return err
}

// Register inserts a user when no one holds the email.
func Register(ctx context.Context, pool *pgxpool.Pool, email string) error {
	var taken int64
	if err := pool.QueryRow(ctx, "SELECT COUNT(id) FROM users WHERE email = $1", email).Scan(&taken); err != nil {
		return err
	}
	if taken != 0 {
		return fmt.Errorf("email %s taken", email)
	}
	_, err := pool.Exec(ctx, "INSERT INTO users (email) VALUES ($1)", email) // want `Exec inserts into users after QueryRow at line 44 counted no rows`
	return err
}

// Tag inserts a tag when EXISTS is false, told by comparing it.
func Tag(ctx context.Context, pool *pgxpool.Pool, name string) error {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS(SELECT * FROM tags WHERE name = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists == true {
		return nil
	}
	_, err := pool.Exec(ctx, "INSERT INTO tags (name) VALUES ($1)", name) // want `Exec inserts into tags after QueryRow at line 57 found no row \(EXISTS false\)`
	return err
}

// ok: a quota, not a check for the row: the insert runs whatever the count
// is below the limit, a different row each time.
func AddKey(ctx context.Context, pool *pgxpool.Pool, user int64, key string) error {
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM api_keys WHERE user_id = $1", user).Scan(&n); err != nil {
		return err
	}
	if n >= 5 {
		return fmt.Errorf("user %d has %d keys", user, n)
	}
	_, err := pool.Exec(ctx, "INSERT INTO api_keys (user_id, key) VALUES ($1, $2)", user, key)
	return err
}

// ok: the insert skips a duplicate in the same statement; the count only
// decides the log line.
func FollowOnce(ctx context.Context, pool *pgxpool.Pool, from, to int64) error {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM follows WHERE follower = $1 AND followee = $2)", from, to).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		_, err := pool.Exec(ctx, "INSERT INTO follows (follower, followee) VALUES ($1, $2) ON CONFLICT DO NOTHING", from, to)
		return err
	}
	return nil
}

// ok: the count is per day (GROUP BY): no row at all when nothing matches,
// so n is no count of the rows here.
func Days(ctx context.Context, pool *pgxpool.Pool, user int64) error {
	var n int
	err := pool.QueryRow(ctx, "SELECT count(*) FROM visits WHERE user_id = $1 GROUP BY day LIMIT 1", user).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		_, err = pool.Exec(ctx, "INSERT INTO visits (user_id, day, hits) VALUES ($1, current_date, 1)", user)
	}
	return err
}

// ok: n is set again before the test, from the caller's value: the count
// no longer decides.
func Seed(ctx context.Context, pool *pgxpool.Pool, user int64, given int) error {
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM visits WHERE user_id = $1", user).Scan(&n); err != nil {
		return err
	}
	n = given
	if n == 0 {
		_, err := pool.Exec(ctx, "INSERT INTO visits (user_id, day, hits) VALUES ($1, current_date, 1)", user)
		return err
	}
	return nil
}

// ok: the insert is on the branch where the row exists (following back
// one's follower), not on the miss.
func FollowBack(ctx context.Context, pool *pgxpool.Pool, from, to int64) error {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM follows WHERE follower = $1 AND followee = $2)", from, to).Scan(&exists); err != nil {
		return err
	}
	if exists {
		_, err := pool.Exec(ctx, "INSERT INTO follows (follower, followee) VALUES ($1, $2)", to, from)
		return err
	}
	return nil
}
