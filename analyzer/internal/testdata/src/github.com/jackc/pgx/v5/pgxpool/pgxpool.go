// Package pgxpool is a minimal fake of github.com/jackc/pgx/v5/pgxpool for analyzer tests.
package pgxpool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Pool is a connection pool.
type Pool struct{}

// New creates a pool.
func New(ctx context.Context, connString string) (*Pool, error) { return &Pool{}, nil }

// Close closes the pool.
func (p *Pool) Close() {}

// Acquire takes a connection from the pool.
func (p *Pool) Acquire(ctx context.Context) (c *Conn, err error) { return &Conn{}, nil }

// Begin starts a transaction on a pooled connection.
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error) { return nil, nil }

// BeginTx starts a transaction with txOptions on a pooled connection.
func (p *Pool) BeginTx(ctx context.Context, txOptions pgx.TxOptions) (pgx.Tx, error) { return nil, nil }

// Exec executes sql on a pooled connection (autocommit).
func (p *Pool) Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, nil
}

// Query sends a query on a pooled connection.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) { return nil, nil }

// QueryRow sends a query returning at most one row.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row { return nil }

// SendBatch sends a batch.
func (p *Pool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults { return nil }

// Conn is a connection acquired from the pool.
type Conn struct{}

// Release returns the connection to the pool.
func (c *Conn) Release() {}

// Begin starts a transaction.
func (c *Conn) Begin(ctx context.Context) (pgx.Tx, error) { return nil, nil }

// BeginTx starts a transaction with txOptions.
func (c *Conn) BeginTx(ctx context.Context, txOptions pgx.TxOptions) (pgx.Tx, error) { return nil, nil }

// Exec executes sql.
func (c *Conn) Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, nil
}

// Query sends a query.
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) { return nil, nil }

// QueryRow sends a query returning at most one row.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row { return nil }

// Tx is the transaction type returned by a pool's Begin.
type Tx struct{}
