package lostupdate

import (
	"errors"
	"log"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Assign given the value First read plus one: when FirstOrCreate finds the
// row it writes the stale value over it.
func bumpWithAssign(db *gorm.DB, name string) error {
	var c Counter
	if err := db.Where("name = ?", name).First(&c).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	return db.Where(Counter{Name: name}).Assign(Counter{Value: c.Value + 1}).FirstOrCreate(&c).Error // want `Value read by First at line 15 is written back by Assign`
}

// Assign with a map, in a transaction: the balance read is written back on
// a hit.
func creditWithAssignMap(db *gorm.DB, owner string, amount int64) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Where("owner = ?", owner).Take(&w).Error; err != nil {
			return err
		}
		return tx.Where("owner = ?", owner).Assign(map[string]any{"balance": w.Balance + amount}).FirstOrCreate(&w).Error // want `Balance read by Take at line 26 is written back by Assign`
	})
}

// FirstOrInit with Assign, then Save: the assigned version is new, the
// balance read is written back.
func initAssignSave(db *gorm.DB, owner string) error {
	var w Wallet
	if err := db.Where(Wallet{Owner: owner}).Assign(Wallet{Version: 2}).FirstOrInit(&w).Error; err != nil {
		return err
	}
	w.Balance += 5
	return db.Save(&w).Error // want `Balance read by FirstOrInit at line 37 is written back by Save`
}

// ok: the value assigned is the caller's, not the one read (only logged).
func setWithAssign(db *gorm.DB, name string, value int64) error {
	var c Counter
	if err := db.Where("name = ?", name).First(&c).Error; err == nil {
		log.Printf("counter %s: %d -> %d", name, c.Value, value)
	}
	return db.Where(Counter{Name: name}).Assign(Counter{Value: value}).FirstOrCreate(&c).Error // ok: a value of the caller's
}

// ok: Assign adds in SQL.
func bumpWithAssignExpr(db *gorm.DB, name string) error {
	var c Counter
	if err := db.Where("name = ?", name).First(&c).Error; err != nil {
		return err
	}
	return db.Where(Counter{Name: name}).Assign(map[string]any{"value": gorm.Expr("value + ?", 1)}).FirstOrCreate(&c).Error // ok: atomic
}

// ok: the row is read FOR UPDATE in the transaction that assigns.
func bumpWithAssignLocked(db *gorm.DB, name string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var c Counter
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("name = ?", name).First(&c).Error; err != nil {
			return err
		}
		return tx.Where(Counter{Name: name}).Assign(Counter{Value: c.Value + 1}).FirstOrCreate(&c).Error // ok: locked
	})
}

// ok: Attrs sets the value only when the row is created.
func seedWithAttrs(db *gorm.DB, name string) error {
	var c Counter
	if err := db.Where("name = ?", name).First(&c).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	return db.Where(Counter{Name: name}).Attrs(Counter{Value: c.Value + 1}).FirstOrCreate(&c).Error // ok: no update on a hit
}

// ok: FirstOrInit with every column Save writes assigned.
func initAssignAllSave(db *gorm.DB, owner string, balance int64) error {
	var w Wallet
	if err := db.Where(Wallet{Owner: owner}).Assign(Wallet{Balance: balance, Version: 1}).FirstOrInit(&w).Error; err != nil {
		return err
	}
	return db.Save(&w).Error // ok: nothing read is written back
}

// FirstOrCreate reads the row it finds into its destination: the counter
// read is written back.
func bumpAfterFirstOrCreate(db *gorm.DB, name string) error {
	var c Counter
	if err := db.Where(Counter{Name: name}).FirstOrCreate(&c).Error; err != nil {
		return err
	}
	c.Value++
	return db.Save(&c).Error // want `Value read by FirstOrCreate at line 95 is written back by Save`
}

// FirstOrCreate in a transaction, then Updates from the row found.
func addAfterFirstOrCreate(db *gorm.DB, owner string, amount int64) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Model(&Wallet{}).Where("owner = ?", owner).FirstOrCreate(&w).Error; err != nil {
			return err
		}
		return tx.Model(&w).Updates(Wallet{Balance: w.Balance + amount}).Error // want `Balance read by FirstOrCreate at line 106 is written back by Updates`
	})
}

// ok: FirstOrCreate's read locks the row in the writing transaction.
func bumpAfterFirstOrCreateLocked(db *gorm.DB, name string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var c Counter
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(Counter{Name: name}).FirstOrCreate(&c).Error; err != nil {
			return err
		}
		c.Value++
		return tx.Save(&c).Error // ok: locked
	})
}

// ok: the column FirstOrCreate's read gave is added to in SQL.
func addAfterFirstOrCreateAtomic(db *gorm.DB, name string) error {
	var c Counter
	if err := db.Where(Counter{Name: name}).FirstOrCreate(&c).Error; err != nil {
		return err
	}
	return db.Model(&c).Update("value", gorm.Expr("value + ?", 1)).Error // ok: atomic
}

// ok: Assign gives the value FirstOrCreate leaves in its destination.
func setAfterFirstOrCreateAssign(db *gorm.DB, name string, value int64) error {
	var c Counter
	if err := db.Where(Counter{Name: name}).Assign(Counter{Value: value}).FirstOrCreate(&c).Error; err != nil {
		return err
	}
	return db.Save(&c).Error // ok: the value is the caller's
}
