package lostupdate

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Funds is embedded in Purse: its fields are Purse's columns.
type Funds struct {
	Balance  int64
	Reserved int64
}

// Purse embeds gorm.Model (ID, timestamps, soft delete) and Funds.
type Purse struct {
	gorm.Model
	Funds
	Label string
}

// An embedded field edited, then Save: the columns read are written back.
func saveEmbedded(db *gorm.DB, id uint) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Balance += 10
	return db.Save(&p).Error // want `Balance, Reserved, Label read by First at line 24 are written back by Save`
}

// An embedded field written by Update from the read.
func updateEmbedded(db *gorm.DB, id uint) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	return db.Model(&p).Update("reserved", p.Reserved+1).Error // want `Reserved read by First at line 34 is written back by Update`
}

// Select on an embedded column.
func selectEmbedded(db *gorm.DB, id uint, label string) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Label = label
	return db.Select("label", "balance").Save(&p).Error // want `Balance read by First at line 43 is written back by Save`
}

// ok: every embedded column written is assigned anew.
func saveEmbeddedAssigned(db *gorm.DB, id uint, balance, reserved int64) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Balance, p.Reserved = balance, reserved
	return db.Omit("label").Save(&p).Error // ok: nothing read is written back
}

// ok: the embedded row is locked in the writing transaction.
func saveEmbeddedLocked(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var p Purse
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&p, id).Error; err != nil {
			return err
		}
		p.Balance++
		return tx.Save(&p).Error // ok: locked
	})
}
