// Package pq is a minimal fake of github.com/lib/pq for analyzer tests: it
// registers the "postgres" driver.
package pq

import (
	"database/sql"
	"database/sql/driver"
	"errors"
)

// Driver is the Postgres database driver.
type Driver struct{}

// Open opens a new connection to the database.
func (d Driver) Open(name string) (driver.Conn, error) {
	return nil, errors.New("fake driver")
}

func init() {
	sql.Register("postgres", &Driver{})
}
