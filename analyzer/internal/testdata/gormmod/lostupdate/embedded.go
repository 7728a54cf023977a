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

// ok: the embedded struct is replaced whole before the save.
func saveEmbeddedReplaced(db *gorm.DB, id uint, f Funds) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Funds = f
	return db.Select("balance", "reserved").Save(&p).Error // ok: the funds are new
}

// ok: the funds reset by a literal, the field it leaves out zero.
func resetEmbedded(db *gorm.DB, id uint, opening int64) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Funds = Funds{Balance: opening}
	return db.Select("balance", "reserved").Save(&p).Error // ok: the funds are new
}

// Replacing the embedded struct renews its fields only: the label read is
// written back.
func saveEmbeddedReplacedAll(db *gorm.DB, id uint, f Funds) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	p.Funds = f
	return db.Save(&p).Error // want `Label read by First at line 96 is written back by Save`
}

// The funds replaced on one branch only: the other writes back the ones
// read.
func resetEmbeddedSometimes(db *gorm.DB, id uint, reset bool) error {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return err
	}
	if reset {
		p.Funds = Funds{}
	}
	return db.Select("balance", "reserved").Save(&p).Error // want `Balance, Reserved read by First at line 107 are written back by Save`
}

// getPurse loads a purse and hands out a pointer to it.
func getPurse(db *gorm.DB, id uint) (*Purse, error) {
	var p Purse
	if err := db.First(&p, id).Error; err != nil {
		return nil, err
	}
	return &p, nil
}

// ok: the promoted fields assigned through the pointer.
func saveEmbeddedViaPointer(db *gorm.DB, id uint, balance, reserved int64) error {
	p, err := getPurse(db, id)
	if err != nil {
		return err
	}
	p.Balance, p.Reserved = balance, reserved
	return db.Omit("label").Save(p).Error // ok: nothing read is written back
}

// ok: the embedded struct replaced through the pointer.
func saveEmbeddedReplacedViaPointer(db *gorm.DB, id uint, f Funds) error {
	p, err := getPurse(db, id)
	if err != nil {
		return err
	}
	p.Funds = f
	return db.Select("balance", "reserved").Save(p).Error // ok: the funds are new
}

// One promoted field assigned through the pointer: the other is written
// back.
func saveEmbeddedSomeViaPointer(db *gorm.DB, id uint, balance int64) error {
	p, err := getPurse(db, id)
	if err != nil {
		return err
	}
	p.Balance = balance
	return db.Omit("label").Save(p).Error // want `Reserved read by First at line 119 is written back by Save`
}
