package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// accountRepo runs one statement per method: on its pool, or on the
// transaction a function is given (sqlx's and database/sql's).
type accountRepo struct {
	db *sqlx.DB
}

type account struct {
	ID      int64 `db:"id"`
	Balance int64 `db:"balance"`
	Version int64 `db:"version"`
}

func (r *accountRepo) balance(id int64) (int64, error) {
	var b int64
	err := r.db.Get(&b, "SELECT balance FROM accounts WHERE id = $1", id)
	return b, err
}

func (r *accountRepo) setBalance(id, b int64) error {
	_, err := r.db.Exec("UPDATE accounts SET balance = $1 WHERE id = $2", b, id)
	return err
}

func accountTx(tx *sqlx.Tx, id int64) (account, error) {
	var a account
	err := tx.Get(&a, "SELECT id, balance, version FROM accounts WHERE id = $1", id)
	return a, err
}

func accountForUpdate(tx *sqlx.Tx, id int64) (account, error) {
	var a account
	err := tx.Get(&a, "SELECT id, balance, version FROM accounts WHERE id = $1 FOR UPDATE", id)
	return a, err
}

func setBalanceTx(tx *sqlx.Tx, id, b int64) error {
	_, err := tx.Exec("UPDATE accounts SET balance = $1 WHERE id = $2", b, id)
	return err
}

func setBalanceAt(tx *sqlx.Tx, id, b, version int64) error {
	_, err := tx.Exec("UPDATE accounts SET balance = $1, version = version + 1 WHERE id = $2 AND version = $3", b, id, version)
	return err
}

func addBalanceTx(tx *sqlx.Tx, id, delta int64) error {
	_, err := tx.Exec("UPDATE accounts SET balance = balance + $1 WHERE id = $2", delta, id)
	return err
}

func balanceStd(ctx context.Context, tx *sql.Tx, id int64) (int64, error) {
	var b int64
	err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&b)
	return b, err
}

func setBalanceStd(ctx context.Context, tx *sql.Tx, id, b int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", b, id)
	return err
}

// RepoDeposit reads and writes through the repository's pool.
func RepoDeposit(r *accountRepo, id, amount int64) error {
	b, err := r.balance(id)
	if err != nil {
		return err
	}
	return r.setBalance(id, b+amount) // want `balance read by balance at line \d+ is written back by setBalance`
}

// TxDeposit reads and writes in one sqlx transaction without a lock.
func TxDeposit(db *sqlx.DB, id, amount int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	a, err := accountTx(tx, id)
	if err != nil {
		return err
	}
	if err := setBalanceTx(tx, id, a.Balance+amount); err != nil { // want `Balance read by accountTx at line \d+ is written back by setBalanceTx \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit()
}

// StdDeposit reads and writes in one database/sql transaction.
func StdDeposit(ctx context.Context, db *sql.DB, id, amount int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b, err := balanceStd(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := setBalanceStd(ctx, tx, id, b+amount); err != nil { // want `balance read by balanceStd at line \d+ is written back by setBalanceStd`
		return err
	}
	return tx.Commit()
}

// LockedDeposit reads the row FOR UPDATE in the transaction.
func LockedDeposit(db *sqlx.DB, id, amount int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	a, err := accountForUpdate(tx, id)
	if err != nil {
		return err
	}
	if err := setBalanceTx(tx, id, a.Balance+amount); err != nil { // ok: accountForUpdate locked the row in tx
		return err
	}
	return tx.Commit()
}

// VersionedDeposit writes only if the version is still the one read.
func VersionedDeposit(db *sqlx.DB, id, amount int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	a, err := accountTx(tx, id)
	if err != nil {
		return err
	}
	if err := setBalanceAt(tx, id, a.Balance+amount, a.Version); err != nil { // ok: compare-and-set on the version read with the balance
		return err
	}
	return tx.Commit()
}

// AtomicDeposit lets SQL add.
func AtomicDeposit(db *sqlx.DB, id, amount int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	if _, err := accountTx(tx, id); err != nil {
		return err
	}
	if err := addBalanceTx(tx, id, amount); err != nil { // ok: the database computes the balance
		return err
	}
	return tx.Commit()
}
