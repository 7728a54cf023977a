package lostupdate

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
)

// A value assigned on every path from the read to the write is not the
// value read, though no one assignment runs on every path; a path that
// skips every assignment writes the value read back.

// ok: the name is assigned on both branches of the if.
func renameIfElse(ctx context.Context, pool *pgxpool.Pool, id int64, name string, upper bool) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	if upper {
		r.Name = strings.ToUpper(name)
	} else {
		r.Name = name
	}
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name}) // ok: r.Name assigned on both branches
}

// The name is assigned only when given: otherwise the name read is written
// back.
func renameIfOnly(ctx context.Context, pool *pgxpool.Pool, id int64, name string) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	if name != "" {
		r.Name = name
	}
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name}) // want `Name read by RecordGet at line 34 is written back by RecordRename`
}

// ok: the counter scanned is replaced on every case of a switch with a
// default.
func counterSwitchDefault(ctx context.Context, tx pgx.Tx, id int64, mode int) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	switch mode {
	case 0:
		n = 0
	case 1:
		n = 100
	default:
		n = int64(mode)
	}
	_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n, id) // ok: n assigned on every case
	return err
}

// Without a default, a mode of neither case writes the counter read back.
func counterSwitchNoDefault(ctx context.Context, tx pgx.Tx, id int64, mode int) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	switch mode {
	case 0:
		n = 0
	case 1:
		n = 100
	}
	_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n, id) // want `counter read by QueryRow at line 66 is written back by Exec`
	return err
}

// ok: a loop without a condition runs its body, which assigns the name,
// before it can leave.
func renameUntilFree(ctx context.Context, tx pgx.Tx, id int64, name string, taken func(string) bool) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		r.Name = name + strings.Repeat("_", i)
		if !taken(r.Name) {
			break
		}
	}
	return q.RecordRename(ctx, tx, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name}) // ok: the loop assigns r.Name before leaving
}

// A loop that may not run leaves the name read.
func renameEachSuffix(ctx context.Context, tx pgx.Tx, id int64, name string, suffixes []string) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	for _, s := range suffixes {
		r.Name = name + s
	}
	return q.RecordRename(ctx, tx, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name}) // want `Name read by RecordGet at line 97 is written back by RecordRename`
}

// The branch that assigns the counter writes and returns early: the other
// path writes the counter read back.
func counterResetEarly(ctx context.Context, tx pgx.Tx, id int64, reset bool) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	if reset {
		n = 0
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n, id) // ok: n assigned before this write
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n, id) // want `counter read by QueryRow at line 111 is written back by Exec`
	return err
}
