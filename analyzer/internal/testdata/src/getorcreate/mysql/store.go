// Package mysql runs on MySQL through a package that imports the driver.
package mysql

import (
	"context"

	"getorcreate/mysql/mysqlconn"
)

func afterFailedInsert(ctx context.Context, dsn, token string) error {
	db, err := mysqlconn.Open(dsn)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES (?)", token); err != nil {
		// ok: MySQL rolls back the failed statement only
		_, err = tx.ExecContext(ctx, "INSERT INTO audits (token) VALUES (?)", token)
		return err
	}
	return tx.Commit()
}
