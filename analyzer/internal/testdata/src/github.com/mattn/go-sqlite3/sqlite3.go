// Package sqlite3 is a minimal fake of github.com/mattn/go-sqlite3 for
// analyzer tests: it registers the "sqlite3" driver.
package sqlite3

import (
	"database/sql"
	"database/sql/driver"
	"errors"
)

// SQLiteDriver implements driver.Driver.
type SQLiteDriver struct{}

// Open opens a connection.
func (d *SQLiteDriver) Open(dsn string) (driver.Conn, error) {
	return nil, errors.New("fake driver")
}

func init() {
	sql.Register("sqlite3", &SQLiteDriver{})
}
