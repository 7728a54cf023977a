// Package lostupdate holds lost updates where tables are named by a
// strategy txvet does not read (the database is opened by customdb).
package lostupdate

import (
	"gorm.io/gorm"

	"example.com/gormmod/naming/customdb"
)

var _ = customdb.Open

// Wallet's table has a name txvet cannot tell, the same for every chain.
type Wallet struct {
	ID      uint
	Balance int64
}

// Chains on the same model still name the same table.
func firstThenSave(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Balance++
	return db.Save(&w).Error // want `Balance read by First at line 22 is written back by Save`
}

// Take, then Update.
func takeThenUpdate(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Take(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by Take at line 32 is written back by Update`
}

// Find, then Updates.
func findThenUpdates(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Find(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(Wallet{Balance: w.Balance * 2}).Error // want `Balance read by Find at line 41 is written back by Updates`
}

// ok: Raw SQL names a table the model's may not be.
func rawThenUpdate(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT * FROM wallets WHERE id = ?", id).Scan(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // ok: tables not known to match
}

// ok: Exec names a table the model's may not be.
func firstThenExec(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = ? WHERE id = ?", w.Balance+1, w.ID).Error // ok: tables not known to match
}

// ok: the same holds for the name Wallet itself.
func firstThenExecSame(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec(`UPDATE "Wallet" SET balance = ? WHERE id = ?`, w.Balance+1, w.ID).Error // ok: tables not known to match
}
