// Package mysql is a minimal fake of github.com/go-sql-driver/mysql for
// analyzer tests: it registers the "mysql" driver.
package mysql

import (
	"database/sql"
	"database/sql/driver"
	"errors"
)

// MySQLDriver is exported to make the driver directly accessible.
type MySQLDriver struct{}

// Open new Connection.
func (d MySQLDriver) Open(dsn string) (driver.Conn, error) {
	return nil, errors.New("fake driver")
}

func init() {
	sql.Register("mysql", &MySQLDriver{})
}
