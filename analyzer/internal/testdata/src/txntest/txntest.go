package txntest

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"txntest/helpers"
)

func probe()       {}
func handle(h any) {}
func work() error  { return nil }

func beginCommit(ctx context.Context, pool *pgxpool.Pool) error {
	probe() // want `open: none`
	tx, err := pool.Begin(ctx)
	if err != nil {
		probe() // want `open: none`
		return err
	}
	defer tx.Rollback(ctx)
	probe()    // want `open: transaction begun by Begin at line 19 \(default\)`
	handle(tx) // want `handle: transaction begun by Begin at line 19$`
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	probe()    // want `open: none`
	handle(tx) // want `handle: transaction begun by Begin at line 19, ended`
	return nil
}

func branches(ctx context.Context, conn *pgx.Conn, ok bool) {
	tx, _ := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if ok {
		tx.Commit(ctx)
	}
	probe() // want `open: transaction begun by BeginTx at line 36 \(repeatable read\)`
	tx.Rollback(ctx)
	probe() // want `open: none`
}

func sqlTx(ctx context.Context, db *sql.DB) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err == nil {
		probe() // want `open: transaction begun by BeginTx at line 46 \(serializable\)`
		tx.Commit()
	}
	tx2, _ := db.Begin()
	probe() // want `open: transaction begun by Begin at line 51 \(default\)`
	tx2.Rollback()
}

func param(ctx context.Context, tx pgx.Tx) {
	probe()    // want `open: transaction received as parameter tx at line 56 \(unknown\)`
	handle(tx) // want `handle: transaction received as parameter tx`
}

func callback(ctx context.Context, pool *pgxpool.Pool) error {
	probe() // want `open: none`
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		probe()    // want `open: transaction of the pgx.BeginTxFunc callback at line 63 \(serializable\)`
		handle(tx) // want `handle: transaction of the pgx.BeginTxFunc callback at line 63`
		return nil
	})
}

func wrappers(ctx context.Context, s *helpers.Store) {
	s.InTx(ctx, func(tx pgx.Tx) error {
		probe() // want `open: transaction of the InTx callback at line 71 \(serializable\)`
		return nil
	})
	s.Run(ctx, func(ctx context.Context) error {
		probe() // want `open: transaction of the Run callback at line 75 \(default\)`
		return nil
	})
	tx, commit, err := s.Begin(ctx)
	if err != nil {
		return
	}
	probe()    // want `open: transaction begun by Begin at line 79 \(repeatable read\)`
	handle(tx) // want `handle: transaction begun by Begin at line 79`
	commit()
	probe() // want `open: none`
}

func endsParam(ctx context.Context, pool *pgxpool.Pool) {
	tx, _ := pool.Begin(ctx)
	probe() // want `open: transaction begun by Begin at line 90`
	helpers.Finish(ctx, tx)
	probe() // want `open: none`
}

func savepoint(ctx context.Context, tx pgx.Tx) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return
	}
	handle(sp) // want `handle: savepoint of transaction received as parameter tx`
	sp.Rollback(ctx)
	probe() // want `open: transaction received as parameter tx`
}

func closures(ctx context.Context, pool *pgxpool.Pool) {
	tx, _ := pool.Begin(ctx)
	inside := func() {
		probe()    // want `open: transaction begun by Begin at line 107`
		handle(tx) // want `handle: transaction begun by Begin at line 107`
	}
	inside()
	tx.Commit(ctx)
	after := func() {
		probe() // want `open: none`
	}
	after()
}

func loop(ctx context.Context, pool *pgxpool.Pool, n int) {
	for i := 0; i < n; i++ {
		tx, _ := pool.Begin(ctx)
		probe() // want `open: transaction begun by Begin at line 122`
		tx.Commit(ctx)
	}
	probe() // want `open: none`
}

type Queries struct{ db any }

func New(db any) *Queries                    { return &Queries{db: db} }
func (q *Queries) WithTx(tx pgx.Tx) *Queries { return &Queries{db: tx} }

func sqlc(ctx context.Context, pool *pgxpool.Pool) {
	tx, _ := pool.Begin(ctx)
	q := New(pool)
	handle(q)            // want `handle: none`
	handle(q.WithTx(tx)) // want `handle: transaction begun by Begin at line 135`
	handle(New(tx))      // want `handle: transaction begun by Begin at line 135`
	tx.Commit(ctx)
}

func custom(ctx context.Context, s *helpers.Store) {
	u, err := helpers.Custom(ctx)
	if err != nil {
		return
	}
	probe() // want `open: transaction begun by Custom at line 144 \(unknown\)`
	u.Commit()
	probe() // want `open: none`
	s.Atomically(ctx, func(ctx context.Context) error {
		probe() // want `open: transaction of the Atomically callback at line 151`
		return nil
	})
}

func pool(ctx context.Context, p *pgxpool.Pool) {
	handle(p) // want `handle: none`
	probe()   // want `open: none`
}

func levels(ctx context.Context, s *helpers.Store, iso pgx.TxIsoLevel) {
	s.Retry(ctx, helpers.Options{Isolation: pgx.Serializable}, func(tx pgx.Tx) error {
		probe() // want `open: transaction of the Retry callback at line 163 \(serializable\)`
		return nil
	})
	s.Retry(ctx, helpers.Options{}, func(tx pgx.Tx) error {
		probe() // want `open: transaction of the Retry callback at line 167 \(default\)`
		return nil
	})
	tx, _ := s.AtLevel(ctx, pgx.RepeatableRead)
	probe() // want `open: transaction begun by AtLevel at line 171 \(repeatable read\)`
	tx.Commit(ctx)
	tx, _ = s.AtLevel(ctx, iso)
	probe() // want `open: transaction begun by AtLevel at line 174 \(unknown\)`
	tx.Commit(ctx)
}

func setTransaction(ctx context.Context, s *helpers.Store, conn *pgx.Conn) {
	s.Serializable(ctx, func(tx pgx.Tx) error {
		probe() // want `open: transaction of the Serializable callback at line 180 \(serializable\)`
		return nil
	})
	tx, _ := conn.Begin(ctx)
	tx.Exec(ctx, "set transaction isolation level\n\trepeatable read")
	probe() // want `open: transaction begun by Begin at line 184 \(repeatable read\)`
	tx.Commit(ctx)
	tx, _ = conn.Begin(ctx)
	tx.Exec(ctx, "SELECT 1")
	tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
	probe() // want `open: transaction begun by Begin at line 188 \(default\)`
	tx.Commit(ctx)
}
