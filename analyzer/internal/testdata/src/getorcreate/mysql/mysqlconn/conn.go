// Package mysqlconn opens the MySQL database.
package mysqlconn

import (
	"database/sql"

	_ "github.com/go-sql-driver/mysql"
)

// Open opens the database at dsn.
func Open(dsn string) (*sql.DB, error) { return sql.Open("mysql", dsn) }
