package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

type tag struct {
	Name string `db:"name"`
}

// NamedPrepared inserts the missing tag with a prepared named statement.
func NamedPrepared(ctx context.Context, db *sqlx.DB, name string) error {
	get, err := db.PrepareNamedContext(ctx, "SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return err
	}
	insert, err := db.PrepareNamed("INSERT INTO tags (name) VALUES (:name)")
	if err != nil {
		return err
	}
	var id int64
	if err := get.GetContext(ctx, &id, tag{Name: name}); errors.Is(err, sql.ErrNoRows) {
		_, err = insert.ExecContext(ctx, tag{Name: name}) // want `ExecContext inserts into tags after GetContext at line 26 found no row`
		return err
	}
	return nil
}

// NamedTx binds named statements to the transaction, the parameters from
// a map.
func NamedTx(ctx context.Context, db *sqlx.DB, name string) error {
	get, err := db.PrepareNamed("SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	insert, err := tx.PrepareNamedContext(ctx, "INSERT INTO tags (name) VALUES (:name)")
	if err != nil {
		return err
	}
	var id int64
	err = tx.NamedStmtContext(ctx, get).QueryRowx(map[string]any{"name": name}).Scan(&id)
	if err == sql.ErrNoRows {
		insert.MustExec(map[string]any{"name": name}) // want `MustExec inserts into tags after QueryRowx at line 47 found no row`
	}
	return tx.Commit()
}

// NamedExecTx creates the session with NamedExecContext in a transaction.
func NamedExecTx(ctx context.Context, db *sqlx.DB, token string) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.GetContext(ctx, &id, "SELECT id FROM sessions WHERE token = $1", token); err == sql.ErrNoRows {
		_, err = tx.NamedExecContext(ctx, "INSERT INTO sessions (token) VALUES (:token)", &session{Token: token}) // want `NamedExecContext inserts into sessions after GetContext at line 62 found no row`
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// NamedPreparedUpsert creates the tag with ON CONFLICT.
func NamedPreparedUpsert(db *sqlx.DB, name string) error {
	get, err := db.PrepareNamed("SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return err
	}
	upsert, err := db.PrepareNamed("INSERT INTO tags (name) VALUES (:name) ON CONFLICT (name) DO NOTHING")
	if err != nil {
		return err
	}
	var id int64
	if err := get.Get(&id, tag{Name: name}); errors.Is(err, sql.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		_, err = upsert.Exec(tag{Name: name})
		return err
	}
	return nil
}

// NamedFound inserts a link only where the tag was found.
func NamedFound(db *sqlx.DB, name string) error {
	get, err := db.PrepareNamed("SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return err
	}
	var id int64
	if err := get.Get(&id, tag{Name: name}); err != nil {
		return err
	}
	// ok: runs only when the read found a row
	_, err = db.NamedExec("INSERT INTO tags (name) VALUES (:name)", tag{Name: name})
	return err
}

// NamedOtherTable records the miss in another table.
func NamedOtherTable(db *sqlx.DB, token string) error {
	var id int64
	err := db.Get(&id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: another table
		_, err = db.NamedExec("INSERT INTO misses (token) VALUES (:token)", session{Token: token})
	}
	return err
}

// NamedStmtOtherTable records the miss through named statements bound to
// the transaction, in another table.
func NamedStmtOtherTable(ctx context.Context, db *sqlx.DB, name string) error {
	get, err := db.PrepareNamedContext(ctx, "SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return err
	}
	miss, err := db.PrepareNamedContext(ctx, "INSERT INTO tag_misses (name) VALUES (:name)")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var id int64
	if err := tx.NamedStmtContext(ctx, get).GetContext(ctx, &id, tag{Name: name}); errors.Is(err, sql.ErrNoRows) {
		// ok: another table
		tx.NamedStmtContext(ctx, miss).MustExecContext(ctx, tag{Name: name})
	}
	return tx.Commit()
}

// NamedStmtCreateFirst inserts first with ON CONFLICT DO NOTHING and then
// reads the row, both through named statements.
func NamedStmtCreateFirst(db *sqlx.DB, name string) (int64, error) {
	insert, err := db.PrepareNamed("INSERT INTO tags (name) VALUES (:name) ON CONFLICT (name) DO NOTHING")
	if err != nil {
		return 0, err
	}
	get, err := db.PrepareNamed("SELECT id FROM tags WHERE name = :name")
	if err != nil {
		return 0, err
	}
	// ok: the insert comes first and cannot conflict
	if _, err := insert.Exec(tag{Name: name}); err != nil {
		return 0, err
	}
	var id int64
	err = get.Get(&id, tag{Name: name})
	return id, err
}
