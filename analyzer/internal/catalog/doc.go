// Package catalog is txvet's query catalog: it knows what SQL a call runs.
//
// It recognises sqlc-generated query methods for pgx/v5 and database/sql, in
// both shapes (func (q *Queries) X(ctx, arg...) using q.db, and
// emit_methods_with_db_argument's func (q *Queries) X(ctx, db DBTX, arg...)),
// by the package-level "-- name: X :cmd" constant they pass on. It also
// recognises functions that run exactly one statement (wrappers: of a
// query, or of one statement of literal SQL, such as a hand-written
// repository's GetUser or a helper locking a row or setting the level,
// which Statement.Isolation gives), on a handle from a parameter (one that
// falls back to a pool when nil included: a nil passed runs on no
// transaction), the receiver or a field of it; and literal constant SQL
// passed to pgx's Exec, Query and QueryRow (on pools, conns, transactions
// and any interface with those methods, such as sqlc's DBTX) and
// database/sql's Exec, Query, QueryRow and their Context
// variants (on *sql.DB, *sql.Tx, *sql.Conn), pgx v4's, and sqlx's Get,
// Select, Queryx, QueryRowx, MustExec, NamedExec, NamedQuery and their
// Context variants, as methods or as package-level functions given the
// handle (Call.Dest is the destination Get and Select scan into; a named
// statement's :name parameters are compiled to $n as sqlx does ([Named]),
// and Call.Arg gives the struct field or the map literal's value each
// binds): the methods and the argument holding the SQL come from package
// apis. The SQL is a constant, or a constant passed through a rebind call
// of the table (sqlx's db.Rebind, sqlx.Rebind), classified as the driver
// will see it ([ClassifyRebound]), or through sqlx.In, which keeps the
// statement. Prepared statements (database/sql's Prepare, sqlx's Preparex
// and PrepareNamed) run the constant SQL they were prepared from on the
// handle they were prepared on, or on the transaction tx.Stmt, tx.Stmtx or
// tx.NamedStmt bound them to; a statement kept in an unexported struct
// field that the package assigns once, from such a prepare call, runs its
// SQL on a handle out of sight (Call.Exec nil).
//
// SQL written with ? placeholders does not parse in PostgreSQL; when it
// parses once they are numbered $1, $2, ... ([Dollars]), it is classified
// that way with Statement.QuestionParams set, since the placeholders mean
// the same to a driver that rebinds them (sqlx on PostgreSQL) as to MySQL or
// SQLite, and a statement using syntax only another database has stays
// Unknown. Only the PostgreSQL-specific rule (a failed statement aborts the
// transaction) asks whether the SQL is PostgreSQL's.
//
// GORM has no SQL strings: a finishing method of a *gorm.DB chain (First,
// Take, Last, Find, Scan, FirstOrInit, FirstOrCreate, Save, Updates,
// UpdateColumns, Update, UpdateColumn, Create, Delete, Exec, Count) is modelled
// (gorm.go) as the SQL GORM sends to PostgreSQL, its $n bound to the Go
// values of the chain: the table from Table("x"), the model's TableName
// method (a [TableFact] across packages) or the program's naming of the
// Model or destination type (snake_case, plural; a NamingStrategy literal's
// TablePrefix and SingularTable at gorm.Open, passed on as a [NamingFact];
// any other strategy gives a name of the model's own that no literal SQL
// matches); the columns from the model's fields and gorm tags, narrowed by
// Select and Omit; the WHERE from Where, Not and Or (SQL with ? or @name,
// a model literal, a map literal), inline conditions and the primary key of
// the value given, with Or's and Not's comparisons no longer telling the
// row; Scopes whose body returns a chain on its parameter; Joins on reads;
// a locking clause and a conflict action (DO NOTHING, or DO UPDATE of
// AssignmentColumns, Assignments or every column) from Clauses literals;
// SET values, gorm.Expr SQL included; Raw's and Exec's SQL as written; a
// slice given to Save as the upsert GORM runs; FirstOrCreate as its insert,
// with the read it runs first ([Call.Read]); Assign's struct or map literal
// as the UPDATE FirstOrCreate runs instead of its insert when that read
// finds the row ([Call.Hit]), and as the fields FirstOrInit and
// FirstOrCreate do not fill from the row. [Call.Dest] is the value read
// into or written from, [Call.DestFields] the fields a read with Select (or Assign)
// fills. A chain with any method outside apis.ORM.Chain, or a model, table,
// column or condition that is not a constant, runs no known statement.
//
// A pgx batch (batch.go) is modelled as its queued statements, each run on
// the handle the batch is sent to: b.Queue(sql, args...) on a local batch
// that one SendBatch sends. A statement's call is where its results are
// read, the n-th read of the send's result (br.QueryRow(), br.Exec(),
// br.Query()) when every queue and read runs once and in one order, or the
// callback registered on its queue call (v5's QueuedQuery.QueryRow(fn),
// whose row parameter [Catalog.ResultsOf] gives), else the queue call,
// which has no results. CopyFrom(ctx, pgx.Identifier{"t"}, ...) is a plain
// INSERT into t, and so is a sqlc :copyfrom method, whose one call it is.
//
// Each statement is parsed with pg_query_go (PostgreSQL's own parser) and
// classified by [Classify] into a [Statement]: its [Kind] (read, insert,
// update, delete), its row [Lock] for locking reads (FOR UPDATE, FOR NO KEY
// UPDATE, FOR SHARE, FOR KEY SHARE, SKIP LOCKED, NOWAIT), its ON CONFLICT
// action, whether it is atomic (SET n = n + $1) or a compare-and-set (WHERE
// compares a non-identity column), whether its one result tells whether
// rows match ([Probe]: count(*) over one table, or EXISTS (subquery), whose
// table and WHERE are the statement's), the tables it touches, and the [Use] of
// every parameter: [Predicate], [Value], [Overwrite] (replaces an existing
// row's column, also through DO UPDATE SET col = EXCLUDED.col), [Delta].
// SQL that does not parse is simply [Unknown]; the catalog never fails.
//
// API summary for analyzers:
//
//	Requires: []*analysis.Analyzer{catalog.Analyzer}
//	cat := pass.ResultOf[catalog.Analyzer].(*catalog.Catalog)
//	if !cat.Relevant { return nil, nil } // package runs no SQL
//
//	// syntax: the statement a call runs, or nil
//	if st := cat.Statement(callExpr); st != nil && st.IsWrite() { ... }
//
//	// SSA: a classified call with its Go values
//	if c := cat.Of(instr.Common()); c != nil {
//		c.Stmt        // *Statement: c.Stmt.IsWrite(), c.Stmt.Locks(), c.Stmt.Table ...
//		c.Name        // GetRecord, or Exec/QueryRow for literal SQL
//		c.Exec        // the DBTX argument or receiver: pool, conn, tx or Queries
//		c.Arg(n)      // Go value for $n (and the params struct field name)
//		c.ResultField(i) // row struct field receiving result column i
//	}
//
// Facts: a [QueryFact] on each generated query method and each wrapper, so
// calls across packages are understood; a [ForwardFact] on each helper that
// runs the SQL its caller passes (queryOne[T](ctx, db, sql, args...)), whose
// calls with constant SQL are classified as that SQL; generated files are
// read for facts only (analyzers must not report in them). A call through
// an interface (sqlc's Querier, a repository interface) is classified when
// every implementation of the method in the program (the package and the
// packages it imports) has the same QueryFact; see [Implementations].
package catalog
