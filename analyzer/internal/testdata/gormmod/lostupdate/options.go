package lostupdate

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// v1's query option on a Take in a Begin transaction, then Updates with
// a map: no lock was taken.
func creditAfterQueryOption(db *gorm.DB, owner string, amount int64) error {
	tx := db.Begin()
	defer tx.Rollback()
	var w Wallet
	if err := tx.Set("gorm:query_option", "FOR UPDATE").Where("owner = ?", owner).Take(&w).Error; err != nil {
		return err
	}
	if err := tx.Model(&w).Updates(map[string]any{"balance": w.Balance + amount}).Error; err != nil { // want `Balance read by Take at line 14 is written back by Updates`
		return err
	}
	return tx.Commit().Error
}

// v1's query option on Find, then Save of the rows: an upsert of what was
// read.
func bumpAllAfterQueryOption(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var ws []Wallet
		if err := tx.Set("gorm:query_option", "FOR UPDATE").Where("owner = ?", owner).Find(&ws).Error; err != nil {
			return err
		}
		for i := range ws {
			ws[i].Version++
		}
		return tx.Save(&ws).Error // want `read by Find at line 28 (is|are) written back by Save`
	})
}

// ok: the query option set beside a real locking clause.
func queryOptionAndLocking(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Set("gorm:query_option", "FOR UPDATE").Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: locked by the clause
	})
}

// Last reads the newest row of the owner's: its balance is written back.
func saveAfterLast(db *gorm.DB, owner string) error {
	var w Wallet
	if err := db.Where("owner = ?", owner).Last(&w).Error; err != nil {
		return err
	}
	w.Version++
	return db.Save(&w).Error // want `Balance, Version read by Last at line 53 are written back by Save`
}

// ok: Last under a lock in the writing transaction.
func saveAfterLastLocked(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("owner = ?", owner).Last(&w).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("version", w.Version+1).Error // ok: locked
	})
}

// ok: the write's chain is built on two paths: not modelled.
func updatesOnTwoPaths(db *gorm.DB, id uint, keepBalance bool) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	q := db.Model(&w)
	if keepBalance {
		q = q.Omit("balance")
	}
	return q.Updates(map[string]any{"balance": w.Balance + 1, "version": w.Version + 1}).Error // ok: the write's chain is not known
}
