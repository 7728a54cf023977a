package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

type tagRow struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

type bookTag struct {
	ID   int64
	Name string
}

// ZeroAfterGet keeps the tag's ID zero when the prepared read found
// nothing, ErrNoRows let through, and inserts the tag then.
func ZeroAfterGet(ctx context.Context, tx *sqlx.Tx, tags []bookTag) error {
	get, err := tx.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	insert, err := tx.Preparex("INSERT INTO tags (name) VALUES ($1) RETURNING id")
	if err != nil {
		return err
	}
	for _, tag := range tags {
		if tag.ID == 0 {
			err = get.GetContext(ctx, &tag.ID, tag.Name)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if tag.ID == 0 {
				var id int64
				if err := insert.GetContext(ctx, &id, tag.Name); err != nil { // want `GetContext inserts into tags after GetContext at line 34 found no row`
					return err
				}
			}
		}
	}
	return nil
}

// ZeroStruct reads the row into a struct declared just before and tests
// its string key.
func ZeroStruct(db *sqlx.DB, name string) error {
	var t tagRow
	if err := db.Get(&t, "SELECT id, name FROM tags WHERE name = $1", name); err != nil && err != sql.ErrNoRows {
		return err
	}
	if t.Name == "" {
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name) // want `Exec inserts into tags after Get at line 53 found no row`
		return err
	}
	return nil
}

// ZeroScan is the database/sql form: Scan's ErrNoRows ignored, the id
// tested for zero.
func ZeroScan(ctx context.Context, db *sql.DB, name string) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, "SELECT id FROM tags WHERE name = $1", name).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if id == 0 {
		err = db.QueryRowContext(ctx, "INSERT INTO tags (name) VALUES ($1) RETURNING id", name).Scan(&id) // want `QueryRowContext inserts into tags after QueryRowContext at line 67 found no row`
	}
	return id, err
}

// ZeroReused reads into a variable declared outside the loop: from the
// second name on it holds the previous tag's ID.
func ZeroReused(db *sqlx.DB, names []string) error {
	var id int64
	for _, name := range names {
		if err := db.Get(&id, "SELECT id FROM tags WHERE name = $1", name); err != nil && err != sql.ErrNoRows {
			return err
		}
		// ok: id may be left from an earlier round
		if id == 0 {
			if _, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name); err != nil {
				return err
			}
		}
	}
	return nil
}

// ZeroChecked returns every error, so a zero id is a row found with id 0.
func ZeroChecked(db *sqlx.DB, name string) error {
	var id int64
	if err := db.Get(&id, "SELECT id FROM tags WHERE name = $1", name); err != nil {
		return err
	}
	// ok: the read found a row
	if id == 0 {
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
		return err
	}
	return nil
}

// ZeroHandled handles ErrNoRows on its own branch; the zero test after it
// is about a row found.
func ZeroHandled(ctx context.Context, db *sql.DB, name string) error {
	var id int64
	err := db.QueryRowContext(ctx, "SELECT id FROM tags WHERE name = $1", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	// ok: ErrNoRows returned above
	if id == 0 {
		_, err = db.ExecContext(ctx, "INSERT INTO tags (name) VALUES ($1)", name)
	}
	return err
}

// ZeroFilled writes a default into the destination before testing it.
func ZeroFilled(db *sqlx.DB, name string, fallback int64) error {
	var id int64
	err := db.Get(&id, "SELECT id FROM tags WHERE name = $1", name)
	if err == sql.ErrNoRows {
		id = fallback
	}
	// ok: id was given a value after the read
	if id == 0 {
		_, err = db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
	}
	return err
}

// ZeroParam reads into the caller's variable, which need not be zero.
func ZeroParam(db *sqlx.DB, id *int64, name string) error {
	if err := db.Get(id, "SELECT id FROM tags WHERE name = $1", name); err != nil && err != sql.ErrNoRows {
		return err
	}
	// ok: the destination is the caller's, maybe not zero before
	if *id == 0 {
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
		return err
	}
	return nil
}
