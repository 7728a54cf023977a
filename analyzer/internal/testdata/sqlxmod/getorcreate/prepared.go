package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// PreparedTx looks the tag up and inserts it with statements prepared on
// the transaction.
func PreparedTx(ctx context.Context, db *sqlx.DB, name string) (int64, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	get, err := tx.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return 0, err
	}
	insert, err := tx.PreparexContext(ctx, "INSERT INTO tags (name) VALUES ($1) RETURNING id")
	if err != nil {
		return 0, err
	}
	var id int64
	err = get.GetContext(ctx, &id, name)
	if errors.Is(err, sql.ErrNoRows) {
		err = insert.QueryRowxContext(ctx, name).Scan(&id) // want `QueryRowxContext inserts into tags after GetContext at line 28 found no row`
	}
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// PreparedDB prepares on the pool, the insert's SQL written with ? and
// rebound; Exec is the embedded *sql.Stmt's.
func PreparedDB(db *sqlx.DB, name string) error {
	get, err := db.Preparex(db.Rebind("SELECT id FROM tags WHERE name = ?"))
	if err != nil {
		return err
	}
	insert, err := db.Preparex(db.Rebind("INSERT INTO tags (name) VALUES (?)"))
	if err != nil {
		return err
	}
	var id int64
	if err := get.QueryRowx(name).Scan(&id); err == sql.ErrNoRows {
		_, err = insert.Exec(name) // want `Exec inserts into tags after QueryRowx at line 50 found no row`
		return err
	}
	return nil
}

// Rebound prepares on the pool once and binds the statements to the
// transaction with Stmtx.
func Rebound(ctx context.Context, db *sqlx.DB, name string) error {
	get, err := db.PreparexContext(ctx, "SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	insert, err := db.Preparex("INSERT INTO tags (name) VALUES ($1)")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var ids []int64
	if err := tx.StmtxContext(ctx, get).Select(&ids, name); err != nil {
		return err
	}
	if len(ids) == 0 {
		tx.Stmtx(insert).MustExec(name) // want `MustExec inserts into tags after Select at line 71 returned no rows`
	}
	return tx.Commit()
}

// PreparedUpsert inserts with ON CONFLICT through a prepared statement.
func PreparedUpsert(db *sqlx.DB, name string) error {
	get, err := db.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	upsert, err := db.Preparex("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
	if err != nil {
		return err
	}
	var id int64
	if err := get.Get(&id, name); errors.Is(err, sql.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		_, err = upsert.Exec(name)
		return err
	}
	return nil
}

// PreparedFound links the tag only where the statement found it.
func PreparedFound(db *sqlx.DB, name string, bookmark int64) error {
	get, err := db.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	link, err := db.Preparex("INSERT INTO tags (name) VALUES ($1)")
	if err != nil {
		return err
	}
	var id int64
	if err := get.Get(&id, name); err != nil {
		return err
	}
	// ok: runs only when the read found a row
	_, err = link.Exec(name)
	return err
}

// PreparedOtherTable records the miss in another table.
func PreparedOtherTable(ctx context.Context, db *sqlx.DB, name string) error {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	get, err := tx.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	miss, err := tx.Preparex("INSERT INTO tag_misses (name) VALUES ($1)")
	if err != nil {
		return err
	}
	var id int64
	if err := get.GetContext(ctx, &id, name); errors.Is(err, sql.ErrNoRows) {
		// ok: another table
		miss.MustExecContext(ctx, name)
	}
	return tx.Commit()
}
