// Package named uses sqlx's named statements (:name parameters bound from
// a struct's fields or a map literal's keys), so lostupdate is checked against NamedExec as sqlx
// compiles it for PostgreSQL.
package named

import (
	"context"

	"github.com/jmoiron/sqlx"
)

type record struct {
	ID    int64 `db:"id"`
	Count int64 `db:"counter"`
}

// Increment reads a row into a struct and writes the struct back.
func Increment(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	r.Count++
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", r); err != nil { // want `Count read by Get at line 22 is written back by NamedExec`
		return err
	}
	return tx.Commit()
}

// Literal writes a struct literal built from a value read.
func Literal(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.GetContext(ctx, &n, "SELECT counter FROM records WHERE id = ?", id); err != nil {
		return err
	}
	if _, err := tx.NamedExecContext(ctx, "UPDATE records SET counter = :counter WHERE id = :id", &record{ID: id, Count: n + 1}); err != nil { // want `counter read by GetContext at line 40 is written back by NamedExecContext`
		return err
	}
	return tx.Commit()
}

const upsert = `INSERT INTO records (id, counter) VALUES (:id, :counter)
ON CONFLICT (id) DO UPDATE SET counter = EXCLUDED.counter`

// Upsert writes the value read back through an upsert's EXCLUDED.
func Upsert(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	r := &record{}
	if err := tx.Get(r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	r.Count *= 2
	if _, err := tx.NamedExec(upsert, r); err != nil { // want `Count read by Get at line 57 is written back by NamedExec`
		return err
	}
	return tx.Commit()
}

// Locked reads the row FOR UPDATE first.
func Locked(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1 FOR UPDATE", id); err != nil {
		return err
	}
	r.Count++
	// ok: locked in the same transaction
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", r); err != nil {
		return err
	}
	return tx.Commit()
}

// Atomic lets SQL add the delta.
func Atomic(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: atomic; only the id flows from the read
	if _, err := tx.NamedExec("UPDATE records SET counter = counter + :counter WHERE id = :id", record{ID: r.ID, Count: 1}); err != nil {
		return err
	}
	return tx.Commit()
}

// Map binds the parameters from a map literal's keys.
func Map(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", map[string]any{"counter": n + 1, "id": id}); err != nil { // want `counter read by Get at line 103 is written back by NamedExec`
		return err
	}
	return tx.Commit()
}

// MapStruct writes a field of the row read back through a map.
func MapStruct(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var r record
	if err := tx.GetContext(ctx, &r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	if _, err := tx.NamedExecContext(ctx, "UPDATE records SET counter = :n WHERE id = :id", map[string]interface{}{"id": r.ID, "n": r.Count * 2}); err != nil { // want `Count read by GetContext at line 120 is written back by NamedExecContext`
		return err
	}
	return tx.Commit()
}

// MapUpsert writes the value read back through an upsert bound from a map.
func MapUpsert(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	if _, err := tx.NamedExec(upsert, map[string]any{"id": id, "counter": n - 1}); err != nil { // want `counter read by Get at line 134 is written back by NamedExec`
		return err
	}
	return tx.Commit()
}

// MapAtomic adds a constant in SQL; only the id comes from the map.
func MapAtomic(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: atomic; the value read is only the delta's bound
	if _, err := tx.NamedExec("UPDATE records SET counter = counter + :d WHERE id = :id", map[string]any{"d": 1, "id": id}); err != nil {
		return err
	}
	return tx.Commit()
}

// MapOtherKey writes a fresh value under the key the SQL names; the value
// read goes under a key the SQL does not use.
func MapOtherKey(db *sqlx.DB, id, fresh int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: :counter is bound to fresh, not to the value read
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", map[string]any{"counter": fresh, "id": id, "old": n}); err != nil {
		return err
	}
	return tx.Commit()
}

// MapChanged writes the map after the literal, so its keys are not known
// from the literal alone.
func MapChanged(db *sqlx.DB, id, fresh int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	m := map[string]any{"counter": n + 1, "id": id}
	m["counter"] = fresh
	// ok: the map is written after its literal (silent rather than guessed)
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", m); err != nil {
		return err
	}
	return tx.Commit()
}

// CompareAndSet writes only if the counter is still the one read.
func CompareAndSet(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	next := struct {
		ID   int64 `db:"id"`
		Next int64 `db:"next"`
		Seen int64 `db:"seen"`
	}{r.ID, r.Count + 1, r.Count}
	// ok: compare-and-set on the value read
	if _, err := tx.NamedExec("UPDATE records SET counter = :next WHERE id = :id AND counter = :seen", next); err != nil {
		return err
	}
	return tx.Commit()
}
