// Package lostupdate holds lost updates where tables are named with a
// prefix (the database is opened by prefixdb).
package lostupdate

import (
	"gorm.io/gorm"

	"example.com/gormmod/naming/prefixdb"
)

var _ = prefixdb.Open

// Wallet's table is t_wallet.
type Wallet struct {
	ID      uint
	Balance int64
}

// Raw SQL of the prefixed table, then a chain on the model.
func rawThenUpdate(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT * FROM t_wallet WHERE id = ?", id).Scan(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by Scan at line 22 is written back by Update`
}

// A chain reads, Exec of the prefixed table writes.
func firstThenExec(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE t_wallet SET balance = ? WHERE id = ?", w.Balance+1, w.ID).Error // want `Balance read by First at line 31 is written back by Exec`
}

// Chains alone, as ever.
func firstThenSave(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Balance++
	return db.Save(&w).Error // want `Balance read by First at line 40 is written back by Save`
}

// ok: the default name (wallets) is not the table of the model.
func rawDefaultName(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT * FROM wallets WHERE id = ?", id).Scan(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // ok: another table
}

// ok: Exec writes the table of the default name.
func execDefaultName(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = ? WHERE id = ?", w.Balance+1, w.ID).Error // ok: another table
}

// ok: the singular name without the prefix is another table.
func execUnprefixed(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallet SET balance = ? WHERE id = ?", w.Balance+1, w.ID).Error // ok: another table
}
