package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// store keeps statements prepared once, in its constructor.
type store struct {
	db        *sqlx.DB
	getTag    *sqlx.Stmt
	insertTag *sqlx.Stmt
	upsertTag *sqlx.Stmt
	getUser   *sqlx.NamedStmt
	addUser   *sqlx.NamedStmt
	anyTag    *sqlx.Stmt // assigned twice: not followed
}

type user struct {
	Email string `db:"email"`
}

func newStore(db *sqlx.DB, tagSQL string) (*store, error) {
	s := &store{db: db}
	var err error
	if s.getTag, err = db.Preparex("SELECT id FROM tags WHERE name = $1"); err != nil {
		return nil, err
	}
	if s.insertTag, err = db.Preparex(db.Rebind("INSERT INTO tags (name) VALUES (?)")); err != nil {
		return nil, err
	}
	if s.upsertTag, err = db.Preparex("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING"); err != nil {
		return nil, err
	}
	if s.getUser, err = db.PrepareNamed("SELECT id FROM users WHERE email = :email"); err != nil {
		return nil, err
	}
	if s.addUser, err = db.PrepareNamed("INSERT INTO users (email) VALUES (:email)"); err != nil {
		return nil, err
	}
	if s.anyTag, err = db.Preparex("SELECT id FROM tags WHERE name = $1"); err != nil {
		return nil, err
	}
	if tagSQL != "" {
		s.anyTag, err = db.Preparex(tagSQL)
	}
	return s, err
}

// Tag inserts the tag through the store's statements when it is missing.
func (s *store) Tag(ctx context.Context, name string) error {
	var id int64
	err := s.getTag.GetContext(ctx, &id, name)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = s.insertTag.ExecContext(ctx, name) // want `ExecContext inserts into tags after GetContext at line 56 found no row`
	}
	return err
}

// TagTx binds the store's statements to a transaction.
func (s *store) TagTx(ctx context.Context, name string) error {
	tx := s.db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var id int64
	if err := tx.Stmtx(s.getTag).Get(&id, name); err == sql.ErrNoRows {
		tx.StmtxContext(ctx, s.insertTag).MustExecContext(ctx, name) // want `MustExecContext inserts into tags after Get at line 68 found no row`
	}
	return tx.Commit()
}

// User creates the user with the store's named statements.
func (s *store) User(email string) error {
	var id int64
	if err := s.getUser.Get(&id, user{Email: email}); err == sql.ErrNoRows {
		_, err = s.addUser.Exec(user{Email: email}) // want `Exec inserts into users after Get at line 77 found no row`
		return err
	}
	return nil
}

// TagUpsert inserts with the store's ON CONFLICT statement.
func (s *store) TagUpsert(name string) error {
	var id int64
	if err := s.getTag.Get(&id, name); err == sql.ErrNoRows {
		// ok: ON CONFLICT DO NOTHING
		_, err = s.upsertTag.Exec(name)
		return err
	}
	return nil
}

// AnyTag reads with a statement whose SQL may be either of two.
func (s *store) AnyTag(name string) error {
	var id int64
	if err := s.anyTag.Get(&id, name); err == sql.ErrNoRows {
		// ok: the field is assigned twice, its SQL not known
		_, err = s.insertTag.Exec(name)
		return err
	}
	return nil
}

// TagFound inserts only after the store's read found the tag.
func (s *store) TagFound(name string) error {
	var id int64
	if err := s.getTag.Get(&id, name); err != nil {
		return err
	}
	// ok: runs only when the read found a row
	_, err := s.insertTag.Exec(name)
	return err
}
