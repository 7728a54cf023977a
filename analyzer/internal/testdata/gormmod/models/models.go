// Package models holds GORM models shared by the testdata packages; it
// imports no database library, as model packages often do not.
package models

import "time"

// Account's table is named by its TableName method: ledger_accounts.
type Account struct {
	ID        uint
	Owner     string
	Balance   int64
	Version   int
	UpdatedAt time.Time
}

// TableName names the table, as GORM reads it.
func (Account) TableName() string { return "ledger_accounts" }
