// Package lostupdate holds GORM read-modify-write shapes for lostupdate.
package lostupdate

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"example.com/gormmod/models"
)

// Wallet is a GORM model: table wallets, primary key ID.
type Wallet struct {
	ID      uint
	Owner   string
	Balance int64
	Version int
	Notes   []Note `gorm:"foreignKey:WalletID"`
}

// Note is an association of Wallet, not a column.
type Note struct {
	ID       uint
	WalletID uint
	Text     string
}

// Counter names its primary key by tag.
type Counter struct {
	Name  string `gorm:"primaryKey"`
	Value int64
}

// First, a field edit, then Save: every column is written back.
func saveAfterFirst(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.First(&w, id).Error; err != nil {
			return err
		}
		w.Balance += 10
		return tx.Save(&w).Error // want `Owner, Balance, Version read by First at line 40 are written back by Save \(lost update: read it FOR UPDATE in this transaction`
	})
}

// Take in an explicit transaction with Begin and Commit.
func saveAfterTake(db *gorm.DB, id uint) error {
	tx := db.Begin()
	var w Wallet
	if err := tx.Take(&w, "id = ?", id).Error; err != nil {
		tx.Rollback()
		return err
	}
	w.Owner = "someone"
	if err := tx.Save(&w).Error; err != nil { // want `Balance, Version read by Take at line 52 are written back by Save`
		tx.Rollback()
		return err
	}
	return tx.Commit().Error
}

// Updates with a struct computed from the read, no transaction.
func updatesFromRead(ctx context.Context, db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.WithContext(ctx).Where("id = ?", id).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(Wallet{Balance: w.Balance - 5}).Error // want `Balance read by First at line 67 is written back by Updates \(lost update: read it FOR UPDATE and write it in one transaction`
}

// Update of one column with a value computed from the read.
func updateFromRead(db *gorm.DB, id uint) error {
	var w Wallet
	db.First(&w, id)
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 76 is written back by Update`
}

// UpdateColumn with a map-free value, on a model named by TableName.
func updateColumnFromRead(db *gorm.DB, id uint) error {
	var a models.Account
	if err := db.First(&a, id).Error; err != nil {
		return err
	}
	return db.Model(&a).UpdateColumn("balance", a.Balance*2).Error // want `Balance read by First at line 83 is written back by UpdateColumn`
}

// Updates with a map literal.
func updatesMapFromRead(db *gorm.DB, name string) error {
	var c Counter
	if err := db.First(&c, "name = ?", name).Error; err != nil {
		return err
	}
	return db.Model(&c).Updates(map[string]any{"value": c.Value + 1}).Error // want `Value read by First at line 92 is written back by Updates`
}

// gorm.Expr with the stale value as its parameter is not atomic.
func exprOfStaleValue(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", gorm.Expr("? + 1", w.Balance)).Error // want `Balance read by First at line 101 is written back by Update`
}

// The lock is taken through the outer *gorm.DB, in its own transaction.
func lockOnOuterDB(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 111 is written back by Update \(lost update: First FOR UPDATE outside a transaction locks nothing`
	})
}

// Read committed, named: the level does not protect the read.
func readCommitted(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 122 is written back by Update`
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
}

// Read in the transaction, written in a nested one (a savepoint of it).
func nestedWrite(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.First(&w, id).Error; err != nil {
			return err
		}
		return tx.Transaction(func(inner *gorm.DB) error {
			return inner.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 133 is written back by Update`
		})
	})
}

// gorm.Expr computing from the stale value, in Updates.
func exprOfStaleValueInUpdates(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(map[string]any{"balance": gorm.Expr("? - ?", w.Balance, 5)}).Error // want `Balance read by First at line 145 is written back by Updates`
}

// gorm.Expr computing from the stale value, in UpdateColumn.
func exprOfStaleValueInUpdateColumn(db *gorm.DB, id uint, n int64) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).UpdateColumn("balance", gorm.Expr("? * ?", w.Balance, n)).Error // want `Balance read by First at line 154 is written back by UpdateColumn`
}

// A lock through the outer *gorm.DB beside a Begin transaction.
func lockOnOuterDBBegin(db *gorm.DB, id uint) error {
	tx := db.Begin()
	var w Wallet
	db.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id)
	tx.Model(&w).Update("balance", w.Balance+1) // want `Balance read by First at line 164 is written back by Update \(lost update: First FOR UPDATE outside a transaction locks nothing`
	return tx.Commit().Error
}

// The lock is taken in a transaction that has committed before the write.
func lockInEarlierTransaction(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Transaction(func(tx *gorm.DB) error {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error
	}); err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		return tx.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 173 is written back by Update \(lost update: the FOR UPDATE lock is held by another transaction than the write's`
	})
}

// FOR SHARE does not keep another transaction from updating the row
// after this one's read: both then write.
func lockForShare(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "SHARE"}).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 187 is written back by Update`
	})
}

// Preload reads the associations with queries of their own; the row is
// still the one saved.
func saveAfterPreload(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Preload("Notes").First(&w, id).Error; err != nil {
		return err
	}
	w.Version++
	return db.Save(&w).Error // want `Owner, Balance, Version read by First at line 198 are written back by Save`
}

// GORM v1's Set("gorm:query_option", "FOR UPDATE") is ignored by GORM v2:
// the read takes no lock.
func saveAfterQueryOptionForUpdate(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Set("gorm:query_option", "FOR UPDATE").First(&w, id).Error; err != nil {
			return err
		}
		w.Balance += 10
		return tx.Save(&w).Error // want `Owner, Balance, Version read by First at line 210 are written back by Save \(lost update: read it FOR UPDATE in this transaction`
	})
}

// Set in the middle of the read's chain.
func updateAfterSetInChain(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Where("id = ?", id).Set("audit:reason", "bump").Take(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by Take at line 221 is written back by Update`
}

// Set on the write's chain.
func updateWithSetOnWrite(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Set("audit:reason", "bump").Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 230 is written back by Update`
}
