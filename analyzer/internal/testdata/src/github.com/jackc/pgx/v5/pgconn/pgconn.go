// Package pgconn is a minimal fake of github.com/jackc/pgx/v5/pgconn for analyzer tests.
package pgconn

// CommandTag is the status text returned by PostgreSQL for a query.
type CommandTag struct{ s string }

// RowsAffected returns the number of rows affected.
func (ct CommandTag) RowsAffected() int64 { return 0 }

// String returns the command tag text.
func (ct CommandTag) String() string { return ct.s }

// PgError is an error reported by the PostgreSQL server.
type PgError struct {
	Code    string
	Message string
}

func (pe *PgError) Error() string { return pe.Message }
