// Package pgx is a minimal fake of github.com/jackc/pgx/v5 for analyzer tests.
// Signatures are copied from v5.12.0.
package pgx

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoRows occurs when rows are expected but none are returned.
var ErrNoRows = errors.New("no rows in result set")

// TxIsoLevel is the transaction isolation level.
type TxIsoLevel string

// Transaction isolation levels.
const (
	Serializable    TxIsoLevel = "serializable"
	RepeatableRead  TxIsoLevel = "repeatable read"
	ReadCommitted   TxIsoLevel = "read committed"
	ReadUncommitted TxIsoLevel = "read uncommitted"
)

// TxAccessMode is the transaction access mode.
type TxAccessMode string

// Transaction access modes.
const (
	ReadWrite TxAccessMode = "read write"
	ReadOnly  TxAccessMode = "read only"
)

// TxDeferrableMode is the transaction deferrable mode.
type TxDeferrableMode string

// TxOptions are transaction modes within a transaction block.
type TxOptions struct {
	IsoLevel       TxIsoLevel
	AccessMode     TxAccessMode
	DeferrableMode TxDeferrableMode
	BeginQuery     string
	CommitQuery    string
}

// Row is one row returned by QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result set of Query.
type Rows interface {
	Close()
	Err() error
	Next() bool
	Scan(dest ...any) error
	Values() ([]any, error)
}

// Batch queues queries to send in one round trip.
type Batch struct{}

// Queue queues a query.
func (b *Batch) Queue(query string, arguments ...any) *QueuedQuery { return &QueuedQuery{} }

// QueuedQuery is a query queued in a Batch.
type QueuedQuery struct{}

// QueryRow sets fn to read the query's row when the results are closed.
func (qq *QueuedQuery) QueryRow(fn func(row Row) error) {}

// Identifier is a name, its parts quoted and joined with dots.
type Identifier []string

// CopyFromSource is the rows CopyFrom copies.
type CopyFromSource interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// CopyFromRows returns a CopyFromSource of rows.
func CopyFromRows(rows [][]any) CopyFromSource { return nil }

// BatchResults are the results of SendBatch.
type BatchResults interface {
	Exec() (pgconn.CommandTag, error)
	Query() (Rows, error)
	QueryRow() Row
	Close() error
}

// Tx represents a database transaction.
type Tx interface {
	// Begin starts a pseudo nested transaction (a savepoint).
	Begin(ctx context.Context) (Tx, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	SendBatch(ctx context.Context, b *Batch) BatchResults
	Exec(ctx context.Context, sql string, arguments ...any) (commandTag pgconn.CommandTag, err error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
	Conn() *Conn
}

// Conn is a single PostgreSQL connection.
type Conn struct{}

// Connect establishes a connection.
func Connect(ctx context.Context, connString string) (*Conn, error) { return &Conn{}, nil }

// Close closes the connection.
func (c *Conn) Close(ctx context.Context) error { return nil }

// Begin starts a transaction.
func (c *Conn) Begin(ctx context.Context) (Tx, error) { return nil, nil }

// BeginTx starts a transaction with txOptions.
func (c *Conn) BeginTx(ctx context.Context, txOptions TxOptions) (Tx, error) { return nil, nil }

// Exec executes sql.
func (c *Conn) Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, nil
}

// Query sends a query.
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (Rows, error) { return nil, nil }

// QueryRow sends a query returning at most one row.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) Row { return nil }

// SendBatch sends a batch.
func (c *Conn) SendBatch(ctx context.Context, b *Batch) BatchResults { return nil }

// CopyFrom copies rows into a table.
func (c *Conn) CopyFrom(ctx context.Context, tableName Identifier, columnNames []string, rowSrc CopyFromSource) (int64, error) {
	return 0, nil
}

// BeginFunc calls Begin on db and then calls fn, committing if fn returns nil.
func BeginFunc(
	ctx context.Context,
	db interface {
		Begin(ctx context.Context) (Tx, error)
	},
	fn func(Tx) error,
) (err error) {
	return nil
}

// BeginTxFunc calls BeginTx on db and then calls fn, committing if fn returns nil.
func BeginTxFunc(
	ctx context.Context,
	db interface {
		BeginTx(ctx context.Context, txOptions TxOptions) (Tx, error)
	},
	txOptions TxOptions,
	fn func(Tx) error,
) (err error) {
	return nil
}
