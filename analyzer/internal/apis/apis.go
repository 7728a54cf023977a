// Package apis is txvet's one table of the database and broker client
// libraries it understands: for each, the calls that run SQL and the
// argument holding it, how statements are batched and bulk-copied, the
// transaction types, what begins a transaction and
// how the transaction is handed out, where the isolation level is given, the
// errors that mean "no row", the calls that publish a message, and for an
// ORM that builds statements from method chains (GORM) the vocabulary of
// its chains. The
// catalog, txn, the checks and the relevance analyzer (Analyzer) all read
// it: supporting another library is adding its row to Libraries, plus
// testdata with a faithful fake of its API.
package apis

import (
	"go/types"
	"slices"
	"strings"
)

// Library is what txvet knows about one client library.
type Library struct {
	// Module is the import path prefix of the library's own packages, which
	// are not analysed for transactions (their API is known from this table).
	Module string
	// Packages are the import paths whose import makes a package relevant.
	Packages []string
	// Broker is set for a message broker client, else it is a database one.
	Broker bool
	// PostgreSQL is set for a client of PostgreSQL only; database/sql's
	// database is told by its drivers (Drivers).
	PostgreSQL bool

	// Queries are the methods that run SQL given as a string argument.
	Queries []Query
	// Rebinds are the calls that rewrite ? placeholders for the driver.
	Rebinds []Rebind
	// Prepares are how statements are prepared and run later.
	Prepares []Prepare
	// TxTypes are the transaction types, as "path.Name" (pointer or not).
	TxTypes []string
	// Handles are the types that run each statement in its own
	// transaction: pools and connections outside a transaction.
	Handles []string
	// Begins are the calls that begin a transaction.
	Begins []Begin
	// Commits and Rollbacks are the methods of a transaction that end it.
	Commits, Rollbacks []string
	// RollbacksTo are the methods that roll a transaction back to a
	// savepoint, leaving it open.
	RollbacksTo []string
	// Savepoint is how the library runs a statement in a savepoint, for
	// messages; "" when it has no API for it (SQL's SAVEPOINT then).
	Savepoint string
	// Isolation is how the library's options name isolation levels.
	Isolation Isolation
	// NotFound are the errors a single-row query returns when it finds no
	// row, as "path.Name".
	NotFound []string

	// StructScans are the methods of a read's rows or row, on types of
	// Packages, that scan the current row into their one argument, a
	// struct, column by column into the fields of those names (sqlx's
	// StructScan).
	StructScans []string

	// Publishes are the methods that publish a message, on types of
	// Packages.
	Publishes []string

	// ORM is set for a library that builds statements from method chains
	// instead of taking SQL.
	ORM *ORM

	// Outboxes are types ("path.Name") implementing a publishing interface
	// of Packages by writing the message to the database with the executor
	// they were made with. Bound to a transaction, such a publisher is an
	// outbox; a publish through one is reported only when it was made, in
	// sight, with a pool or connection (Handles).
	Outboxes []string

	// Batch is how statements are queued and sent together, if they can be.
	Batch *Batch
	// Copy is a bulk insert into a table named by an argument, if any.
	Copy *Copy
}

// Batch describes statements queued into a batch and sent at once (pgx's
// Batch and SendBatch): each queued statement runs on the pool, connection
// or transaction the batch is sent to, when it is sent, and the send's
// result reads the statements' results in queue order.
type Batch struct {
	// Type is the batch type ("path.Name"); Queue its method queueing SQL,
	// Queue(sql, args...); Neutral its methods that change nothing.
	Type, Queue string
	Neutral     []string
	// Send is the method, on any type, sending a batch given at SendArg
	// (receiver excluded): SendBatch(ctx, b).
	Send    string
	SendArg int
	// Results are the methods of the send's result that read the next
	// statement's results as the query method of that name does; One is
	// the one that reads one row (QueryRow). Close reads what is left.
	Results    []string
	One, Close string
	// Callbacks are the methods of Queue's result that register a
	// function reading that statement's results, run by Close (pgx v5's
	// QueuedQuery.QueryRow(func(pgx.Row) error)).
	Callbacks []string
}

// Copy is a method, on any type, that inserts rows into the table named by
// its argument TableArg (receiver excluded), of type Ident ("path.Name"), a
// []string of the name's parts: pgx's CopyFrom(ctx, pgx.Identifier{"t"},
// columns, rows), a plain INSERT.
type Copy struct {
	Method   string
	TableArg int
	Ident    string
}

// ORM describes a library whose statements are built by chaining methods
// on one handle type (GORM's *gorm.DB): each chained call returns a new
// handle on the same pool or transaction, and a finishing method runs the
// statement the chain describes. The statement model that reads the chain
// is catalog's; this is the vocabulary it reads.
type ORM struct {
	// Handle is the chained type, "path.Name": the pool, and a transaction
	// once a begin call returned it.
	Handle string
	// ErrorField and RowsField are the fields of the handle a finishing
	// method returns that hold its error and the number of rows it found
	// or changed.
	ErrorField, RowsField string
	// Runs are the finishing methods, by what they run.
	Runs map[string]RunOp
	// Chain are the chained methods the model reads, by what they add;
	// a chain holding any other method is not modelled.
	Chain map[string]ChainOp
	// Expr is the function that gives SQL as a value ("path.Name"):
	// Expr("n + ?", 1).
	Expr string
	// Locking and OnConflict are the clause types ("path.Name") of a
	// locking read and of an insert's conflict action.
	Locking, OnConflict string
	// AssignColumns and Assignments are the functions ("path.Name") giving
	// a conflict action's SET list: columns copied from the row proposed
	// for insertion (AssignmentColumns([]string{"n"})), or values by column
	// (Assignments(map[string]any{"n": v})).
	AssignColumns, Assignments string
	// Named is the function ("path.Name") naming a parameter of SQL
	// written with @name placeholders: Named("name", v).
	Named string
	// Open is the function ("path.Name") that opens the handle, with its
	// configuration (Config, a struct type "path.Name") as its last
	// argument; the configuration's field NamingField holds the naming
	// strategy, a Naming struct ("path.Name") whose fields Prefix and
	// Singular txvet reads: any other strategy names tables in a way
	// txvet cannot tell.
	Open, Config, NamingField, Naming string
	Prefix, Singular                  string
	// TableMethod is the method of a model type that names its table.
	TableMethod string
	// Tag is the struct tag key of column options; Column, PrimaryKey,
	// Ignore and Embedded are the options txvet reads.
	Tag                                                  string
	Column, PrimaryKey, Ignore, Embedded, EmbeddedPrefix string
	// AutoTimes are the fields the library sets itself on every save.
	AutoTimes []string
	// SoftDelete is the type ("path.Name") of a soft-delete column.
	SoftDelete string
	// DefaultKey is the primary key field of a model that tags none.
	DefaultKey string
}

// RunOp is what a finishing method of an ORM chain runs.
type RunOp int

// Finishing methods.
const (
	// RunFirst reads one row into its first argument (First, Take, Last),
	// with optional inline conditions after it.
	RunFirst RunOp = iota + 1
	// RunFind reads rows into its first argument, with inline conditions.
	RunFind
	// RunSave writes every column of its argument over its row (an
	// UPDATE by primary key), or inserts it when its key is empty.
	RunSave
	// RunUpdates writes the columns of a struct or a map.
	RunUpdates
	// RunUpdate writes one column, named by its first argument, to the
	// value of its second.
	RunUpdate
	// RunCreate inserts its argument.
	RunCreate
	// RunDelete deletes the rows of its first argument's model, with
	// inline conditions.
	RunDelete
	// RunFirstOrCreate reads one row and inserts it when none is found.
	RunFirstOrCreate
	// RunFirstOrInit reads one row, and fills its first argument from the
	// conditions when none is found, for a later save to insert.
	RunFirstOrInit
	// RunScan reads rows into its argument, like RunFind, from a Raw
	// statement or the Model's table.
	RunScan
	// RunExec runs SQL given as its first argument with the values after
	// it.
	RunExec
	// RunCount counts the model's rows that match into its argument.
	RunCount
)

// ChainOp is what a chained method of an ORM adds to the statement.
type ChainOp int

// Chained methods.
const (
	// ChainModel names the model (and its primary key's value).
	ChainModel ChainOp = iota + 1
	// ChainTable names the table as a constant.
	ChainTable
	// ChainWhere adds a condition: SQL with ? placeholders and its values.
	ChainWhere
	// ChainClauses adds clauses: a locking clause or a conflict action.
	ChainClauses
	// ChainNeutral changes nothing the checks read (context, ordering,
	// limits, logging).
	ChainNeutral
	// ChainOr and ChainNot add a condition ORed with the conditions before
	// it, or negated: the rows matched are no longer the ones the values
	// compared name.
	ChainOr
	ChainNot
	// ChainSelect and ChainOmit narrow the columns a write sets or a read
	// fills to the constant names given, or leave those out.
	ChainSelect
	ChainOmit
	// ChainJoins joins other tables to a read (a chain that writes is not
	// modelled with it).
	ChainJoins
	// ChainScopes applies functions func(*DB) *DB to the chain: each is
	// read when its body returns a chain on its parameter.
	ChainScopes
	// ChainRaw gives the statement as SQL with its values; a reading
	// finisher runs it.
	ChainRaw
	// ChainAssign gives values (one struct or map) that FirstOrCreate
	// writes over the row it finds, and FirstOrInit over the value it
	// fills from it.
	ChainAssign
)

// Query is a group of methods, on any type, that run SQL given as a string:
// the method's parameters are an optional context, the handle when Handle
// is set, the destination when Dest is set, the SQL at SQLArg, and the
// statement's arguments (variadic).
// Results are the packages one of which defines the first result type; they
// tell the library's methods (and interfaces copying them, such as sqlc's
// DBTX) from others of the same name. A method whose only result is an
// error (sqlx's Get) is told by its own package instead, which must be one
// of Results.
type Query struct {
	Names  []string
	SQLArg int // receiver excluded
	// Handle is set for package-level functions that take the handle
	// running the SQL as an argument instead of a receiver
	// (sqlx.Get(db, &dest, sql, args...)).
	Handle bool
	// Dest is set when the parameter before the SQL is the destination the
	// result is scanned into (sqlx's Get and Select).
	Dest bool
	// One is set when the method reads one row and reports "no row" with
	// one of the library's NotFound errors (QueryRow's Scan, sqlx's Get).
	One bool
	// Named is set when the SQL takes :name parameters bound from the one
	// argument after it, a struct's fields or a map's keys (sqlx's
	// NamedExec); the method is then not variadic.
	Named   bool
	Results []string
}

// Rebind is a call that rewrites the ? placeholders of the SQL at SQLArg
// into the driver's own ($n for PostgreSQL) and returns it as its first
// result: a package-level Func ("path.Name") or a Method of the library's
// types.
type Rebind struct {
	Func, Method string
	SQLArg       int // receiver excluded
	// Expands is set for a call that keeps the ? placeholders, only
	// repeating one bound to a slice once per element (sqlx.In): the same
	// statement, not yet rebound.
	Expands bool
}

// Prepare describes one kind of prepared statement: Funcs (methods of the
// library's types whose last argument is the SQL and whose receiver runs
// it) return a Stmt, whose methods Runs run it; Rebinds (methods of a
// transaction whose last argument is a statement, tx.Stmtx(stmt)) return
// the statement bound to that transaction.
type Prepare struct {
	Funcs []string
	Stmt  string // "path.Name"
	// Named is set when the SQL takes :name parameters bound from the one
	// argument of a run, a struct's fields or a map's keys (sqlx's
	// PrepareNamed).
	Named   bool
	Runs    []StmtRun
	Rebinds []string
}

// StmtRun is a group of methods of a prepared statement that run it: their
// parameters are an optional context, the destination when Dest is set, and
// the statement's arguments (variadic, or the one argument of a named
// statement). One is set when the method reads one row and reports "no
// row" with one of the library's NotFound errors.
type StmtRun struct {
	Names     []string
	Dest, One bool
}

// Handout says how a begin call hands the transaction to its caller. (A
// third way, a returned func() error that commits, is a wrapper's, not a
// library's: txn learns it from the wrapper's code or -txvet.beginfuncs.)
type Handout int

const (
	// Result: the first result is the transaction.
	Result Handout = iota
	// Callback: the call runs a function argument inside the transaction,
	// which receives it as a parameter.
	Callback
)

// Begin is a call that begins a transaction: a package-level Func
// ("path.Name") or a method called Method on any type whose first result is
// a transaction type (on a transaction, it begins a savepoint). Argument
// indexes exclude a method's receiver; a negative index means none.
type Begin struct {
	Func, Method string
	// Recv, when set, is the receiver type ("path.Name") of Method, for a
	// library whose transaction has the handle's own type (GORM's *gorm.DB)
	// or whose begin hands the transaction to a callback (pgx v4's
	// pool.BeginFunc).
	Recv string
	// Args is the number of arguments the call must have, or 0 for any.
	Args    int
	Handout Handout
	// CallbackArg is the function argument run inside the transaction.
	CallbackArg int
	// OptionsArg is the transaction options argument (Isolation.Fields);
	// when it is the variadic one, its first element.
	OptionsArg int
}

// Isolation maps a library's isolation options to txvet's level names:
// "default", "read uncommitted", "read committed", "repeatable read",
// "serializable".
type Isolation struct {
	// Fields are the fields of the options struct that hold the level.
	Fields []string
	// Strings and Ints map constant level values to level names.
	Strings map[string]string
	Ints    map[int64]string
}

// Libraries are the supported libraries.
var Libraries = []*Library{
	{
		Module:     "github.com/jackc/pgx/v5",
		Packages:   []string{"github.com/jackc/pgx/v5", "github.com/jackc/pgx/v5/pgconn", "github.com/jackc/pgx/v5/pgxpool"},
		PostgreSQL: true,
		Queries: []Query{
			// Exec(ctx, sql, args...) (pgconn.CommandTag, error), Query (pgx.Rows), QueryRow (pgx.Row)
			{Names: []string{"Exec", "Query"}, SQLArg: 1, Results: []string{"github.com/jackc/pgx/v5", "github.com/jackc/pgx/v5/pgconn"}},
			{Names: []string{"QueryRow"}, SQLArg: 1, One: true, Results: []string{"github.com/jackc/pgx/v5"}},
		},
		TxTypes: []string{"github.com/jackc/pgx/v5.Tx", "github.com/jackc/pgx/v5/pgxpool.Tx"},
		Handles: []string{"github.com/jackc/pgx/v5/pgxpool.Pool", "github.com/jackc/pgx/v5.Conn"},
		Begins: []Begin{
			{Method: "Begin", Handout: Result, CallbackArg: -1, OptionsArg: -1},
			{Method: "BeginTx", Handout: Result, CallbackArg: -1, OptionsArg: 1}, // BeginTx(ctx, pgx.TxOptions)
			{Func: "github.com/jackc/pgx/v5.BeginFunc", Args: 3, Handout: Callback, CallbackArg: 2, OptionsArg: -1},
			{Func: "github.com/jackc/pgx/v5.BeginTxFunc", Args: 4, Handout: Callback, CallbackArg: 3, OptionsArg: 2},
		},
		Commits:   []string{"Commit"},
		Rollbacks: []string{"Rollback"},
		Savepoint: "tx.Begin",
		Isolation: Isolation{
			Fields: []string{"IsoLevel"}, // pgx.TxOptions.IsoLevel, a pgx.TxIsoLevel
			Strings: map[string]string{
				"":                 "default",
				"read uncommitted": "read uncommitted",
				"read committed":   "read committed",
				"repeatable read":  "repeatable read",
				"serializable":     "serializable",
			},
		},
		NotFound: []string{"github.com/jackc/pgx/v5.ErrNoRows"},
		Batch: &Batch{
			Type: "github.com/jackc/pgx/v5.Batch", Queue: "Queue", Neutral: []string{"Len"},
			Send: "SendBatch", SendArg: 1, // SendBatch(ctx, b) pgx.BatchResults
			Results: []string{"Exec", "Query", "QueryRow"}, One: "QueryRow", Close: "Close",
			Callbacks: []string{"Exec", "Query", "QueryRow"}, // b.Queue(sql).QueryRow(func(pgx.Row) error)
		},
		// CopyFrom(ctx, pgx.Identifier, columns []string, pgx.CopyFromSource) (int64, error)
		Copy: &Copy{Method: "CopyFrom", TableArg: 1, Ident: "github.com/jackc/pgx/v5.Identifier"},
	},
	{
		// pgx v4: the v5 API, with pgconn in its own module and the
		// callback begins as methods of the pool and the connection.
		Module:     "github.com/jackc/pgx/v4",
		Packages:   []string{"github.com/jackc/pgx/v4", "github.com/jackc/pgx/v4/pgxpool", "github.com/jackc/pgconn"},
		PostgreSQL: true,
		Queries: []Query{
			{Names: []string{"Exec", "Query"}, SQLArg: 1, Results: []string{"github.com/jackc/pgx/v4", "github.com/jackc/pgconn"}},
			{Names: []string{"QueryRow"}, SQLArg: 1, One: true, Results: []string{"github.com/jackc/pgx/v4"}},
		},
		TxTypes: []string{"github.com/jackc/pgx/v4.Tx", "github.com/jackc/pgx/v4/pgxpool.Tx"},
		Handles: []string{"github.com/jackc/pgx/v4/pgxpool.Pool", "github.com/jackc/pgx/v4.Conn"},
		Begins: []Begin{
			{Method: "Begin", Handout: Result, CallbackArg: -1, OptionsArg: -1},
			{Method: "BeginTx", Handout: Result, CallbackArg: -1, OptionsArg: 1}, // BeginTx(ctx, pgx.TxOptions)
			// BeginFunc(ctx, func(pgx.Tx) error), BeginTxFunc(ctx, pgx.TxOptions, func(pgx.Tx) error)
			{Method: "BeginFunc", Recv: "github.com/jackc/pgx/v4/pgxpool.Pool", Args: 2, Handout: Callback, CallbackArg: 1, OptionsArg: -1},
			{Method: "BeginFunc", Recv: "github.com/jackc/pgx/v4.Conn", Args: 2, Handout: Callback, CallbackArg: 1, OptionsArg: -1},
			{Method: "BeginTxFunc", Recv: "github.com/jackc/pgx/v4/pgxpool.Pool", Args: 3, Handout: Callback, CallbackArg: 2, OptionsArg: 1},
			{Method: "BeginTxFunc", Recv: "github.com/jackc/pgx/v4.Conn", Args: 3, Handout: Callback, CallbackArg: 2, OptionsArg: 1},
		},
		Commits:   []string{"Commit"},
		Rollbacks: []string{"Rollback"},
		Savepoint: "tx.Begin",
		Isolation: Isolation{Fields: []string{"IsoLevel"}}, // the same strings as v5's
		NotFound:  []string{"github.com/jackc/pgx/v4.ErrNoRows"},
		// v4's Queue returns nothing: no callbacks.
		Batch: &Batch{
			Type: "github.com/jackc/pgx/v4.Batch", Queue: "Queue", Neutral: []string{"Len"},
			Send: "SendBatch", SendArg: 1,
			Results: []string{"Exec", "Query", "QueryRow"}, One: "QueryRow", Close: "Close",
		},
		Copy: &Copy{Method: "CopyFrom", TableArg: 1, Ident: "github.com/jackc/pgx/v4.Identifier"},
	},
	{
		Module:   "database/sql",
		Packages: []string{"database/sql"},
		Queries: []Query{
			{Names: []string{"Exec", "Query"}, SQLArg: 0, Results: []string{"database/sql"}},
			{Names: []string{"ExecContext", "QueryContext"}, SQLArg: 1, Results: []string{"database/sql"}},
			{Names: []string{"QueryRow"}, SQLArg: 0, One: true, Results: []string{"database/sql"}},
			{Names: []string{"QueryRowContext"}, SQLArg: 1, One: true, Results: []string{"database/sql"}},
		},
		Prepares: []Prepare{{
			Funcs: []string{"Prepare", "PrepareContext"},
			Stmt:  "database/sql.Stmt",
			Runs: []StmtRun{
				{Names: []string{"Exec", "Query", "ExecContext", "QueryContext"}},
				{Names: []string{"QueryRow", "QueryRowContext"}, One: true},
			},
			Rebinds: []string{"Stmt", "StmtContext"}, // tx.Stmt(stmt), tx.StmtContext(ctx, stmt)
		}},
		TxTypes: []string{"database/sql.Tx"},
		Handles: []string{"database/sql.DB", "database/sql.Conn"},
		Begins: []Begin{
			{Method: "Begin", Handout: Result, CallbackArg: -1, OptionsArg: -1},
			{Method: "BeginTx", Handout: Result, CallbackArg: -1, OptionsArg: 1}, // BeginTx(ctx, *sql.TxOptions)
		},
		Commits:   []string{"Commit"},
		Rollbacks: []string{"Rollback"},
		Isolation: Isolation{
			Fields: []string{"Isolation"}, // sql.TxOptions.Isolation, a sql.IsolationLevel
			Ints: map[int64]string{
				0: "default",          // LevelDefault
				1: "read uncommitted", // LevelReadUncommitted
				2: "read committed",   // LevelReadCommitted
				3: "read committed",   // LevelWriteCommitted runs as read committed in PostgreSQL
				4: "repeatable read",  // LevelRepeatableRead
				5: "repeatable read",  // LevelSnapshot is repeatable read in PostgreSQL
				6: "serializable",     // LevelSerializable
				7: "serializable",     // LevelLinearizable
			},
		},
		NotFound: []string{"database/sql.ErrNoRows"},
	},
	{
		Module:   "gorm.io/gorm",
		Packages: []string{"gorm.io/gorm"},
		Begins: []Begin{
			// Begin(opts ...*sql.TxOptions) *gorm.DB
			{Method: "Begin", Recv: "gorm.io/gorm.DB", Handout: Result, CallbackArg: -1, OptionsArg: 0},
			// Transaction(fc func(tx *gorm.DB) error, opts ...*sql.TxOptions) error;
			// on a transaction it runs fc in a savepoint.
			{Method: "Transaction", Recv: "gorm.io/gorm.DB", Handout: Callback, CallbackArg: 0, OptionsArg: 1},
		},
		Commits:     []string{"Commit"},
		Rollbacks:   []string{"Rollback"},
		RollbacksTo: []string{"RollbackTo"},
		Savepoint:   `tx.SavePoint("sp") and tx.RollbackTo("sp"), or a nested tx.Transaction`,
		// The options are database/sql's *sql.TxOptions.
		NotFound: []string{"gorm.io/gorm.ErrRecordNotFound", "gorm.io/gorm/logger.ErrRecordNotFound"},
		ORM: &ORM{
			Handle:     "gorm.io/gorm.DB",
			ErrorField: "Error",
			RowsField:  "RowsAffected",
			Runs: map[string]RunOp{
				"First": RunFirst, "Take": RunFirst, "Last": RunFirst,
				"Find":          RunFind,
				"Save":          RunSave,
				"Updates":       RunUpdates,
				"UpdateColumns": RunUpdates,
				"Update":        RunUpdate,
				"UpdateColumn":  RunUpdate,
				"Create":        RunCreate,
				"Delete":        RunDelete,
				"FirstOrCreate": RunFirstOrCreate,
				"FirstOrInit":   RunFirstOrInit,
				"Scan":          RunScan,
				"Exec":          RunExec,
				"Count":         RunCount,
			},
			Chain: map[string]ChainOp{
				"Model":       ChainModel,
				"Table":       ChainTable,
				"Where":       ChainWhere,
				"Clauses":     ChainClauses,
				"WithContext": ChainNeutral, "Session": ChainNeutral, "Debug": ChainNeutral,
				"Order": ChainNeutral, "Limit": ChainNeutral, "Offset": ChainNeutral,
				// Preload runs its own queries for associations; Unscoped
				// only lifts the soft-delete condition; Set stores a value
				// for callbacks and plugins (GORM v2 ignores v1's
				// "gorm:query_option", so it adds no FOR UPDATE).
				"Preload": ChainNeutral, "Unscoped": ChainNeutral, "Set": ChainNeutral,
				// Attrs fills the destination of FirstOrInit and
				// FirstOrCreate when they find no row.
				"Attrs": ChainNeutral, "Assign": ChainAssign,
				"Or": ChainOr, "Not": ChainNot,
				"Select": ChainSelect, "Omit": ChainOmit,
				"Joins": ChainJoins, "InnerJoins": ChainJoins,
				"Scopes": ChainScopes,
				"Raw":    ChainRaw,
			},
			Expr:       "gorm.io/gorm.Expr",
			Locking:    "gorm.io/gorm/clause.Locking",
			OnConflict: "gorm.io/gorm/clause.OnConflict",
			// AssignmentColumns sets each column from EXCLUDED.
			AssignColumns: "gorm.io/gorm/clause.AssignmentColumns",
			Assignments:   "gorm.io/gorm/clause.Assignments",
			Named:         "database/sql.Named",
			Open:          "gorm.io/gorm.Open",
			Config:        "gorm.io/gorm.Config",
			NamingField:   "NamingStrategy",
			Naming:        "gorm.io/gorm/schema.NamingStrategy",
			Prefix:        "TablePrefix",
			Singular:      "SingularTable",
			TableMethod:   "TableName",
			Tag:           "gorm",
			Column:        "column",
			PrimaryKey:    "primaryKey",
			Ignore:        "-",
			Embedded:      "embedded",
			// embedded;embeddedPrefix:author_ prefixes the inner columns.
			EmbeddedPrefix: "embeddedPrefix",
			AutoTimes:      []string{"CreatedAt", "UpdatedAt"},
			SoftDelete:     "gorm.io/gorm.DeletedAt",
			DefaultKey:     "ID",
		},
	},
	{
		// sqlx wraps database/sql: its types embed sql's, whose methods
		// (Exec, QueryRow, Commit) they inherit; the database is told by
		// the drivers. Get and Select scan into their first argument.
		Module:   "github.com/jmoiron/sqlx",
		Packages: []string{"github.com/jmoiron/sqlx"},
		Queries: []Query{
			{Names: []string{"Get"}, SQLArg: 1, Dest: true, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"GetContext"}, SQLArg: 2, Dest: true, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"Select"}, SQLArg: 1, Dest: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"SelectContext"}, SQLArg: 2, Dest: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"Queryx", "MustExec"}, SQLArg: 0, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
			{Names: []string{"QueryRowx"}, SQLArg: 0, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"QueryxContext", "MustExecContext"}, SQLArg: 1, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
			{Names: []string{"QueryRowxContext"}, SQLArg: 1, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"NamedExec", "NamedQuery"}, SQLArg: 0, Named: true, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
			{Names: []string{"NamedExecContext", "NamedQueryContext"}, SQLArg: 1, Named: true, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
			// The package-level forms take the handle first (after the
			// context): sqlx.Get(q, &dest, sql, args...).
			{Names: []string{"Get"}, SQLArg: 2, Handle: true, Dest: true, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"GetContext"}, SQLArg: 3, Handle: true, Dest: true, One: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"Select"}, SQLArg: 2, Handle: true, Dest: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"SelectContext"}, SQLArg: 3, Handle: true, Dest: true, Results: []string{"github.com/jmoiron/sqlx"}},
			{Names: []string{"MustExec"}, SQLArg: 1, Handle: true, Results: []string{"database/sql"}},
			{Names: []string{"MustExecContext"}, SQLArg: 2, Handle: true, Results: []string{"database/sql"}},
			{Names: []string{"NamedExec", "NamedQuery"}, SQLArg: 1, Handle: true, Named: true, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
			{Names: []string{"NamedExecContext", "NamedQueryContext"}, SQLArg: 2, Handle: true, Named: true, Results: []string{"github.com/jmoiron/sqlx", "database/sql"}},
		},
		Rebinds: []Rebind{
			{Func: "github.com/jmoiron/sqlx.Rebind", SQLArg: 1},            // Rebind(bindType, query)
			{Method: "Rebind", SQLArg: 0},                                  // db.Rebind(query), tx.Rebind(query)
			{Func: "github.com/jmoiron/sqlx.In", SQLArg: 0, Expands: true}, // In(query, args...) (query, args, err)
		},
		Prepares: []Prepare{
			{
				Funcs: []string{"Preparex", "PreparexContext"},
				Stmt:  "github.com/jmoiron/sqlx.Stmt", // Exec, Query, QueryRow (+Context): its embedded *sql.Stmt's
				Runs: []StmtRun{
					{Names: []string{"Queryx", "QueryxContext", "MustExec", "MustExecContext"}},
					{Names: []string{"QueryRowx", "QueryRowxContext"}, One: true},
					{Names: []string{"Get", "GetContext"}, Dest: true, One: true},
					{Names: []string{"Select", "SelectContext"}, Dest: true},
				},
				Rebinds: []string{"Stmtx", "StmtxContext"},
			},
			{
				Funcs: []string{"PrepareNamed", "PrepareNamedContext"},
				Stmt:  "github.com/jmoiron/sqlx.NamedStmt",
				Named: true,
				Runs: []StmtRun{
					{Names: []string{"Exec", "Query", "Queryx", "MustExec", "ExecContext", "QueryContext", "QueryxContext", "MustExecContext"}},
					{Names: []string{"QueryRow", "QueryRowx", "QueryRowContext", "QueryRowxContext"}, One: true},
					{Names: []string{"Get", "GetContext"}, Dest: true, One: true},
					{Names: []string{"Select", "SelectContext"}, Dest: true},
				},
				Rebinds: []string{"NamedStmt", "NamedStmtContext"},
			},
		},
		TxTypes: []string{"github.com/jmoiron/sqlx.Tx"},
		Handles: []string{"github.com/jmoiron/sqlx.DB", "github.com/jmoiron/sqlx.Conn"},
		Begins: []Begin{
			{Method: "Beginx", Handout: Result, CallbackArg: -1, OptionsArg: -1},
			{Method: "MustBegin", Handout: Result, CallbackArg: -1, OptionsArg: -1},
			{Method: "BeginTxx", Handout: Result, CallbackArg: -1, OptionsArg: 1},    // BeginTxx(ctx, *sql.TxOptions)
			{Method: "MustBeginTx", Handout: Result, CallbackArg: -1, OptionsArg: 1}, // MustBeginTx(ctx, *sql.TxOptions)
		},
		Commits:     []string{"Commit"},
		Rollbacks:   []string{"Rollback"},
		Isolation:   Isolation{Fields: []string{"Isolation"}}, // sql.TxOptions: database/sql's levels
		NotFound:    []string{"database/sql.ErrNoRows"},
		StructScans: []string{"StructScan"}, // (*Row) and (*Rows)
	},
	{
		Module:   "github.com/rabbitmq/amqp091-go",
		Packages: []string{"github.com/rabbitmq/amqp091-go"},
		Broker:   true,
		// (*Channel) methods.
		Publishes: []string{"Publish", "PublishWithContext", "PublishWithDeferredConfirm", "PublishWithDeferredConfirmWithContext"},
	},
	{
		Module: "github.com/nats-io/nats.go",
		// Core NATS (*Conn), the legacy JetStreamContext and the jetstream
		// package's JetStream: a request publishes too.
		Packages: []string{"github.com/nats-io/nats.go", "github.com/nats-io/nats.go/jetstream"},
		Broker:   true,
		Publishes: []string{"Publish", "PublishMsg", "PublishAsync", "PublishMsgAsync", "Request", "RequestMsg",
			"RequestWithContext", "RequestMsgWithContext", "PublishRequest"},
	},
	{
		Module:    "github.com/segmentio/kafka-go",
		Packages:  []string{"github.com/segmentio/kafka-go"},
		Broker:    true,
		Publishes: []string{"WriteMessages"}, // (*Writer), (*Conn)
	},
	{
		// Watermill's Publisher interface and its brokers' publishers. The
		// SQL publisher (watermill-sql) is not a broker: bound to a
		// transaction it is an outbox (Outboxes).
		Module: "github.com/ThreeDotsLabs/watermill",
		Packages: []string{"github.com/ThreeDotsLabs/watermill/message", "github.com/ThreeDotsLabs/watermill/pubsub/gochannel",
			"github.com/ThreeDotsLabs/watermill-amqp/v2/pkg/amqp", "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp",
			"github.com/ThreeDotsLabs/watermill-kafka/v2/pkg/kafka", "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka",
			"github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats", "github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream",
			"github.com/ThreeDotsLabs/watermill-googlecloud/pkg/googlecloud"},
		Broker:    true,
		Publishes: []string{"Publish"}, // Publish(topic, messages...)
		Outboxes: []string{"github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql.Publisher", "github.com/ThreeDotsLabs/watermill-sql/v3/pkg/sql.Publisher",
			"github.com/ThreeDotsLabs/watermill-sql/v2/pkg/sql.Publisher"},
	},
}

// Binder is a function sqlc generates that binds its Queries type to an
// executor, so the queries run in the executor's transaction: New(db) and
// q.WithTx(tx).
type Binder struct {
	Name string
	// Args is the number of arguments, the receiver counted; ExecArg is the
	// executor's index among them.
	Args, ExecArg int
}

// SqlcQueries is the name of the type sqlc generates the queries on.
const SqlcQueries = "Queries"

// SqlcBinders are the functions that bind a Queries to an executor.
var SqlcBinders = []Binder{
	{Name: "New", Args: 1, ExecArg: 0},
	{Name: "WithTx", Args: 2, ExecArg: 1},
}

// Driver is a database/sql driver: the packages that provide it, the
// names it registers for sql.Open, and whether its database aborts a
// transaction on a failed statement (PostgreSQL: every later statement
// fails until ROLLBACK) or undoes only that statement and goes on (SQLite,
// MySQL).
type Driver struct {
	Packages      []string
	Names         []string
	AbortsOnError bool
}

// Drivers are the database/sql drivers txvet tells apart.
var Drivers = []Driver{
	{Packages: []string{"github.com/lib/pq"}, Names: []string{"postgres"}, AbortsOnError: true},
	{Packages: []string{"github.com/jackc/pgx/v4/stdlib", "github.com/jackc/pgx/v5/stdlib"}, Names: []string{"pgx", "pgx/v5"}, AbortsOnError: true},
	{Packages: []string{"github.com/mattn/go-sqlite3"}, Names: []string{"sqlite3"}},
	{Packages: []string{"modernc.org/sqlite", "github.com/ncruces/go-sqlite3/driver"}, Names: []string{"sqlite"}},
	{Packages: []string{"github.com/go-sql-driver/mysql"}, Names: []string{"mysql"}},
}

// DriverOf returns the driver a package provides, or registers under the
// name given to sql.Open, or nil.
func DriverOf(pkg, name string) *Driver {
	for i, d := range Drivers {
		if slices.Contains(d.Packages, pkg) || slices.Contains(d.Names, name) {
			return &Drivers[i]
		}
	}
	return nil
}

// Own reports whether the package path belongs to a library itself.
func Own(path string) bool { return libraryOf(path) != nil }

// libraryOf returns the library the package path belongs to, or nil.
func libraryOf(path string) *Library {
	for _, l := range Libraries {
		if path == l.Module || strings.HasPrefix(path, l.Module+"/") {
			return l
		}
	}
	return nil
}

// Extends reports whether outer and inner (or pointers to them) are types
// of two different libraries, as when outer embeds inner to extend it
// (sqlx's types embed database/sql's).
func Extends(outer, inner types.Type) bool {
	lo, li := libraryOf(PkgOf(outer)), libraryOf(PkgOf(inner))
	return lo != nil && li != nil && lo != li
}

// TypeName names the named type of t or *t as "path.Name", or "".
func TypeName(t types.Type) string {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	return n.Obj().Pkg().Path() + "." + n.Obj().Name()
}

// IsPostgreSQL reports whether t (or *t) is a type of a library that talks
// to PostgreSQL only.
func IsPostgreSQL(t types.Type) bool {
	path := PkgOf(t)
	return path != "" && slices.ContainsFunc(Libraries, func(l *Library) bool {
		return l.PostgreSQL && (path == l.Module || strings.HasPrefix(path, l.Module+"/"))
	})
}

// PkgOf returns the path of the package defining the named type of t or
// *t, or "".
func PkgOf(t types.Type) string {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		return n.Obj().Pkg().Path()
	}
	return ""
}

// FuncName names a package-level function as "path.Name", or "" for a
// method.
func FuncName(f *types.Func) string {
	if f.Pkg() == nil || f.Type().(*types.Signature).Recv() != nil {
		return ""
	}
	return f.Pkg().Path() + "." + f.Name()
}

// IsTx reports whether t is a transaction type.
func IsTx(t types.Type) bool {
	name := TypeName(t)
	return name != "" && slices.ContainsFunc(Libraries, func(l *Library) bool { return slices.Contains(l.TxTypes, name) })
}

// IsHandle reports whether t is a pool or a connection outside a
// transaction.
func IsHandle(t types.Type) bool {
	name := TypeName(t)
	return name != "" && slices.ContainsFunc(Libraries, func(l *Library) bool { return slices.Contains(l.Handles, name) })
}

// SavepointOf returns how the library of the transaction type t runs a
// statement in a savepoint, or "".
func SavepointOf(t types.Type) string {
	if l := libraryOf(PkgOf(t)); l != nil {
		return l.Savepoint
	}
	return ""
}

// IsEnd reports whether f is a method that ends a transaction when called on
// one (Commit, Rollback).
func IsEnd(f *types.Func) bool {
	return isMethodIn(f, func(l *Library) []string { return slices.Concat(l.Commits, l.Rollbacks) })
}

// IsRollback reports whether f is a method that rolls a transaction (or a
// savepoint) back when called on one.
func IsRollback(f *types.Func) bool {
	return isMethodIn(f, func(l *Library) []string { return slices.Concat(l.Rollbacks, l.RollbacksTo) })
}

// isMethodIn reports whether f is a method named in some library's list.
func isMethodIn(f *types.Func, list func(*Library) []string) bool {
	if f == nil || f.Type().(*types.Signature).Recv() == nil {
		return false
	}
	return slices.ContainsFunc(Libraries, func(l *Library) bool { return slices.Contains(list(l), f.Name()) })
}

// BeginOf returns the begin row f matches when called with nargs
// arguments (receiver excluded), or nil.
func BeginOf(f *types.Func, nargs int) *Begin {
	if f == nil {
		return nil
	}
	sig := f.Type().(*types.Signature)
	fname := FuncName(f)
	for _, l := range Libraries {
		for i, b := range l.Begins {
			if b.Args != 0 && b.Args != nargs {
				continue
			}
			if b.Func != "" && b.Func == fname {
				return &l.Begins[i]
			}
			if b.Method == "" || b.Method != f.Name() || sig.Recv() == nil {
				continue
			}
			if b.Recv != "" && TypeName(sig.Recv().Type()) == b.Recv ||
				b.Recv == "" && sig.Results().Len() >= 1 && IsTx(sig.Results().At(0).Type()) {
				return &l.Begins[i]
			}
		}
	}
	return nil
}

// IsolationFields returns the fields of the options structs that hold the
// isolation level.
func IsolationFields() map[string]bool {
	fields := make(map[string]bool)
	for _, l := range Libraries {
		for _, f := range l.Isolation.Fields {
			fields[f] = true
		}
	}
	return fields
}

// LevelOfString and LevelOfInt return the level name of a constant level
// value, or "" when no library names it.
func LevelOfString(v string) string {
	for _, l := range Libraries {
		if name, ok := l.Isolation.Strings[v]; ok {
			return name
		}
	}
	return ""
}

// LevelOfInt is LevelOfString for integer levels.
func LevelOfInt(v int64) string {
	for _, l := range Libraries {
		if name, ok := l.Isolation.Ints[v]; ok {
			return name
		}
	}
	return ""
}

// QueryOf returns the query row f matches, or nil.
func QueryOf(f *types.Func) *Query {
	sig, _ := f.Type().(*types.Signature)
	if sig == nil || sig.Results().Len() == 0 || f.Pkg() == nil {
		return nil
	}
	params := sig.Params()
	result := PkgOf(sig.Results().At(0).Type())
	if result == "" && sig.Results().Len() == 1 && f.Pkg() != nil {
		result = f.Pkg().Path() // an error only: the method's own package tells
	}
	for _, l := range Libraries {
		for i, q := range l.Queries {
			if !slices.Contains(q.Names, f.Name()) || !slices.Contains(q.Results, result) || params.Len() != q.SQLArg+2 || sig.Variadic() == q.Named {
				continue
			}
			if (sig.Recv() == nil) != q.Handle || q.Handle && (!slices.Contains(l.Packages, f.Pkg().Path()) || !types.IsInterface(params.At(q.HandleArg()).Type())) {
				continue
			}
			if b, ok := params.At(q.SQLArg).Type().Underlying().(*types.Basic); !ok || b.Kind() != types.String {
				continue
			}
			before := q.SQLArg
			if q.Dest {
				if !types.IsInterface(params.At(q.SQLArg - 1).Type()) {
					continue
				}
				before--
			}
			if q.Handle {
				before--
			}
			if before == 1 && TypeName(params.At(0).Type()) != "context.Context" {
				continue
			}
			return &l.Queries[i]
		}
	}
	return nil
}

// HandleArg returns the index of the handle argument of a package-level
// query function, or -1.
func (q *Query) HandleArg() int {
	if !q.Handle {
		return -1
	}
	if q.Dest {
		return q.SQLArg - 2
	}
	return q.SQLArg - 1
}

// RebindOf returns the rebind row f matches: a call that returns the SQL
// it is given with its ? placeholders rewritten; or nil.
func RebindOf(f *types.Func) *Rebind {
	if f == nil || f.Pkg() == nil {
		return nil
	}
	fname := FuncName(f)
	recv := f.Type().(*types.Signature).Recv() != nil
	for _, l := range Libraries {
		for i, r := range l.Rebinds {
			if (r.Func != "" && r.Func == fname) ||
				(r.Method != "" && recv && r.Method == f.Name() && slices.Contains(l.Packages, f.Pkg().Path())) {
				return &l.Rebinds[i]
			}
		}
	}
	return nil
}

// PrepareOf returns the kind of statement f prepares from the SQL given as
// its last argument, or nil.
func PrepareOf(f *types.Func) *Prepare {
	return prepareBy(f, func(p *Prepare) []string { return p.Funcs })
}

// StmtRebindOf returns the kind of statement f, a method of a transaction,
// binds to its receiver (tx.Stmtx(stmt)), or nil.
func StmtRebindOf(f *types.Func) *Prepare {
	if f == nil || f.Type().(*types.Signature).Recv() == nil || !IsTx(f.Type().(*types.Signature).Recv().Type()) {
		return nil
	}
	return prepareBy(f, func(p *Prepare) []string { return p.Rebinds })
}

// prepareBy returns the prepare row of f's library whose list names f, for
// a method of one of the library's packages.
func prepareBy(f *types.Func, list func(*Prepare) []string) *Prepare {
	if f == nil || f.Pkg() == nil || f.Type().(*types.Signature).Recv() == nil {
		return nil
	}
	for _, l := range Libraries {
		if !slices.Contains(l.Packages, f.Pkg().Path()) {
			continue
		}
		for i, p := range l.Prepares {
			if slices.Contains(list(&p), f.Name()) {
				return &l.Prepares[i]
			}
		}
	}
	return nil
}

// StmtRunOf returns the run row of f, a method of a prepared statement that
// runs it, or nil.
func StmtRunOf(f *types.Func) *StmtRun {
	recv := f.Type().(*types.Signature).Recv()
	if recv == nil {
		return nil
	}
	name := TypeName(recv.Type())
	for _, l := range Libraries {
		for i, p := range l.Prepares {
			if p.Stmt != name {
				continue
			}
			for j, r := range p.Runs {
				if slices.Contains(r.Names, f.Name()) {
					return &l.Prepares[i].Runs[j]
				}
			}
		}
	}
	return nil
}

// IsStmt reports whether t (or *t) is a library's prepared statement type.
func IsStmt(t types.Type) bool {
	name := TypeName(t)
	return name != "" && slices.ContainsFunc(Libraries, func(l *Library) bool {
		return slices.ContainsFunc(l.Prepares, func(p Prepare) bool { return p.Stmt == name })
	})
}

// IsNotFound reports whether the package-level variable path.name is an
// error meaning "no row".
func IsNotFound(path, name string) bool {
	qualified := path + "." + name
	return slices.ContainsFunc(Libraries, func(l *Library) bool { return slices.Contains(l.NotFound, qualified) })
}

// IsOutbox reports whether t (or *t) is a publisher that writes its
// messages to the database (Library.Outboxes).
func IsOutbox(t types.Type) bool {
	name := TypeName(t)
	return name != "" && slices.ContainsFunc(Libraries, func(l *Library) bool { return slices.Contains(l.Outboxes, name) })
}

// IsOutboxPublish reports whether method is a publish method of the
// outbox type t (or *t).
func IsOutboxPublish(t types.Type, method string) bool {
	name := TypeName(t)
	return slices.ContainsFunc(Libraries, func(l *Library) bool {
		return slices.Contains(l.Outboxes, name) && slices.Contains(l.Publishes, method)
	})
}

// IsStructScan reports whether f is a method of a library's rows or row
// that scans the current row into its one argument by column name.
func IsStructScan(f *types.Func) bool {
	if f == nil || f.Pkg() == nil || f.Type().(*types.Signature).Recv() == nil {
		return false
	}
	path := f.Pkg().Path()
	return slices.ContainsFunc(Libraries, func(l *Library) bool {
		return slices.Contains(l.Packages, path) && slices.Contains(l.StructScans, f.Name())
	})
}

// IsPublish reports whether f is a broker method that publishes a message.
func IsPublish(f *types.Func) bool {
	if f.Pkg() == nil || f.Type().(*types.Signature).Recv() == nil {
		return false
	}
	path := f.Pkg().Path()
	return slices.ContainsFunc(Libraries, func(l *Library) bool {
		return l.Broker && slices.Contains(l.Packages, path) && slices.Contains(l.Publishes, f.Name())
	})
}

// ORMOf returns the ORM whose handle type t (or *t) is, or nil.
func ORMOf(t types.Type) *ORM {
	return rowOfType(t, func(l *Library) *ORM { return l.ORM }, func(o *ORM) string { return o.Handle })
}

// BatchOf returns the batch row whose batch type t (or *t) is, or nil.
func BatchOf(t types.Type) *Batch {
	return rowOfType(t, func(l *Library) *Batch { return l.Batch }, func(b *Batch) string { return b.Type })
}

// rowOfType returns the first library row (row(l), if any) whose type,
// as typ gives it, is the named type of t or *t.
func rowOfType[T any](t types.Type, row func(*Library) *T, typ func(*T) string) *T {
	name := TypeName(t)
	if name == "" {
		return nil
	}
	for _, l := range Libraries {
		if r := row(l); r != nil && typ(r) == name {
			return r
		}
	}
	return nil
}

// BatchMethod returns the batch row of which f is a method of the batch
// type, or nil.
func BatchMethod(f *types.Func) *Batch {
	recv := f.Type().(*types.Signature).Recv()
	if recv == nil {
		return nil
	}
	return BatchOf(recv.Type())
}

// BatchSend returns the batch row whose batch f sends, or nil.
func BatchSend(f *types.Func) *Batch {
	return methodWithArg(f, func(l *Library) *Batch { return l.Batch },
		func(b *Batch) (string, int, string) { return b.Send, b.SendArg, b.Type })
}

// CopyOf returns the copy row f matches, or nil.
func CopyOf(f *types.Func) *Copy {
	return methodWithArg(f, func(l *Library) *Copy { return l.Copy },
		func(c *Copy) (string, int, string) { return c.Method, c.TableArg, c.Ident })
}

// methodWithArg returns the first library row (row(l), if any) that f
// matches: a method named name whose parameter arg (receiver excluded) has
// the named type typ, as match gives them for the row.
func methodWithArg[T any](f *types.Func, row func(*Library) *T, match func(*T) (name string, arg int, typ string)) *T {
	sig := f.Type().(*types.Signature)
	if sig.Recv() == nil {
		return nil
	}
	for _, l := range Libraries {
		r := row(l)
		if r == nil {
			continue
		}
		if name, arg, typ := match(r); f.Name() == name && arg < sig.Params().Len() && TypeName(sig.Params().At(arg).Type()) == typ {
			return r
		}
	}
	return nil
}

// IsChained reports whether f is a method of an ORM handle that returns a
// handle on the same pool or transaction: a chained or finishing method
// (not a begin call, which the caller tells first).
func IsChained(f *types.Func) bool {
	sig, _ := f.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil || sig.Results().Len() != 1 {
		return false
	}
	o := ORMOf(sig.Recv().Type())
	return o != nil && TypeName(sig.Results().At(0).Type()) == o.Handle
}
