package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// PackageGet reads with the package-level Get, the handle first.
func PackageGet(db *sqlx.DB, token string) error {
	var id int64
	err := sqlx.Get(db, &id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		sqlx.MustExec(db, "INSERT INTO sessions (token) VALUES ($1)", token) // want `MustExec inserts into sessions after Get at line 14 found no row`
		return nil
	}
	return err
}

// PackageGetContext runs both statements in a transaction through the
// package-level functions.
func PackageGetContext(ctx context.Context, db *sqlx.DB, token string) error {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var id int64
	if err := sqlx.GetContext(ctx, tx, &id, "SELECT id FROM sessions WHERE token = $1", token); err == sql.ErrNoRows {
		if _, err := sqlx.NamedExecContext(ctx, tx, "INSERT INTO sessions (token) VALUES (:token)", session{Token: token}); err != nil { // want `NamedExecContext inserts into sessions after GetContext at line 28 found no row`
			return err
		}
	}
	return tx.Commit()
}

// PackageSelect inserts when the package-level Select found none.
func PackageSelect(ctx context.Context, db *sqlx.DB, name string) error {
	var ids []int64
	if err := sqlx.SelectContext(ctx, db, &ids, "SELECT id FROM tags WHERE name = $1", name); err != nil {
		return err
	}
	if len(ids) == 0 {
		_, err := sqlx.NamedExec(db, "INSERT INTO tags (name) VALUES (:name)", tag{Name: name}) // want `NamedExec inserts into tags after SelectContext at line 39 returned no rows`
		return err
	}
	return nil
}

// PackageUpsert inserts with ON CONFLICT.
func PackageUpsert(db *sqlx.DB, token string) error {
	var id int64
	err := sqlx.Get(db, &id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		sqlx.MustExec(db, "INSERT INTO sessions (token) VALUES ($1) ON CONFLICT (token) DO NOTHING", token)
		return nil
	}
	return err
}

// PackageFound inserts only where the package-level Select found rows.
func PackageFound(db *sqlx.DB, name string) error {
	var ids []int64
	if err := sqlx.Select(db, &ids, "SELECT id FROM tags WHERE name = $1", name); err != nil {
		return err
	}
	if len(ids) != 0 {
		// ok: runs only where the read found rows
		sqlx.MustExec(db, "INSERT INTO tags (name) VALUES ($1)", name)
	}
	return nil
}

// PackageOtherTable records the miss in another table.
func PackageOtherTable(ctx context.Context, db *sqlx.DB, token string) error {
	var id int64
	err := sqlx.GetContext(ctx, db, &id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: another table
		sqlx.MustExecContext(ctx, db, "INSERT INTO misses (token) VALUES ($1)", token)
		return nil
	}
	return err
}

// InExpanded reads the tags of a name list expanded by In and rebound,
// and inserts when none is there.
func InExpanded(db *sqlx.DB, names []string, name string) error {
	q, args, err := sqlx.In("SELECT id FROM tags WHERE name IN (?)", names)
	if err != nil {
		return err
	}
	var ids []int64
	if err := db.Select(&ids, db.Rebind(q), args...); err != nil {
		return err
	}
	if len(ids) == 0 {
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name) // want `Exec inserts into tags after Select at line 94 returned no rows`
		return err
	}
	return nil
}

// InRebound is InExpanded with the rebound SQL kept in the variable.
func InRebound(ctx context.Context, db *sqlx.DB, names []string, name string) error {
	q, args, err := sqlx.In("SELECT id FROM tags WHERE name IN (?) LIMIT 1", names)
	if err != nil {
		return err
	}
	q = db.Rebind(q)
	var id int64
	if err := db.GetContext(ctx, &id, q, args...); errors.Is(err, sql.ErrNoRows) {
		_, err := db.ExecContext(ctx, db.Rebind("INSERT INTO tags (name) VALUES (?)"), name) // want `ExecContext inserts into tags after GetContext at line 112 found no row`
		return err
	}
	return nil
}

// InUnbound leaves the ? for a driver that rebinds itself.
func InUnbound(db *sqlx.DB, names []string, name string) (int64, error) {
	q, args, err := sqlx.In("SELECT id FROM tags WHERE name IN (?) LIMIT 1", names)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.QueryRowx(q, args...).Scan(&id)
	if err == sql.ErrNoRows {
		_, err = db.Exec("INSERT INTO tags (name) VALUES (?)", name) // want `Exec inserts into tags after QueryRowx at line 126 found no row`
	}
	return id, err
}

// InUpsert inserts the missing tag with ON CONFLICT.
func InUpsert(db *sqlx.DB, names []string, name string) error {
	q, args, err := sqlx.In("SELECT id FROM tags WHERE name IN (?)", names)
	if err != nil {
		return err
	}
	var ids []int64
	if err := db.Select(&ids, db.Rebind(q), args...); err != nil {
		return err
	}
	if len(ids) == 0 {
		// ok: ON CONFLICT DO NOTHING
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name)
		return err
	}
	return nil
}

// InOtherTable reads one table through In and inserts into another.
func InOtherTable(db *sqlx.DB, names []string, name string) error {
	q, args, err := sqlx.In("SELECT id FROM tags WHERE name IN (?)", names)
	if err != nil {
		return err
	}
	var ids []int64
	if err := db.Select(&ids, db.Rebind(q), args...); err != nil {
		return err
	}
	if len(ids) == 0 {
		// ok: another table
		_, err := db.Exec("INSERT INTO tag_misses (name) VALUES ($1)", name)
		return err
	}
	return nil
}

// InBuilt expands SQL built at run time, which is not known.
func InBuilt(db *sqlx.DB, table string, names []string, name string) error {
	q, args, err := sqlx.In("SELECT id FROM "+table+" WHERE name IN (?)", names)
	if err != nil {
		return err
	}
	var ids []int64
	if err := db.Select(&ids, db.Rebind(q), args...); err != nil {
		return err
	}
	if len(ids) == 0 {
		// ok: the read's SQL is not a constant
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
		return err
	}
	return nil
}
