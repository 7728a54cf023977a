package lostupdate

import (
	"database/sql"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ok: gorm.Expr computes the column from itself in SQL.
func atomicExpr(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", gorm.Expr("balance + ?", 1)).Error // ok: atomic
}

// ok: the row is locked FOR UPDATE in the writing transaction.
func lockedInTx(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		w.Balance += 10
		return tx.Save(&w).Error // ok: locked in this transaction
	})
}

// ok: FOR NO KEY UPDATE in a transaction begun with Begin.
func lockedNoKeyUpdate(db *gorm.DB, id uint) error {
	tx := db.Begin()
	var w Wallet
	if err := tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Where("id = ?", id).Take(&w).Error; err != nil {
		return tx.Rollback().Error
	}
	tx.Model(&w).Update("balance", w.Balance-1) // ok: locked
	return tx.Commit().Error
}

// ok: serializable: one of two such transactions fails and is retried.
func serializable(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.First(&w, id).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: serializable
	}, &sql.TxOptions{Isolation: sql.LevelSerializable})
}

// ok: repeatable read with Begin's options.
func repeatableRead(db *gorm.DB, id uint) error {
	tx := db.Begin(&sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	var w Wallet
	tx.First(&w, id)
	tx.Model(&w).Update("balance", w.Balance+1) // ok: repeatable read
	return tx.Commit().Error
}

// ok: a compare-and-set on the version read with the value.
func compareAndSet(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where("id = ? AND version = ?", w.ID, w.Version).
		Updates(map[string]any{"balance": w.Balance + 1, "version": w.Version + 1}).Error // ok: compare-and-set
}

// ok: the value written is not read from the row.
func blindSave(db *gorm.DB, id uint, owner string) error {
	w := Wallet{ID: id, Owner: owner}
	return db.Save(&w).Error // ok: nothing read
}

// ok: the lock is taken in the nested transaction's parent before the read.
func lockedThenNested(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Transaction(func(inner *gorm.DB) error {
			return inner.Model(&w).Update("balance", w.Balance+1).Error // ok: locked by the enclosing transaction
		})
	})
}

// ok: the table is chosen at run time; txvet cannot tell which row.
func dynamicTable(db *gorm.DB, table string, id uint) error {
	var w Wallet
	if err := db.Table(table).First(&w, id).Error; err != nil {
		return err
	}
	return db.Table(table).Where("id = ?", id).Update("balance", w.Balance+1).Error // ok: table not known
}

// ok: the chain is built on two paths (the lock only on one): not modelled.
func chainOnTwoPaths(db *gorm.DB, id uint, lock bool) error {
	return db.Transaction(func(tx *gorm.DB) error {
		q := tx
		if lock {
			q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var w Wallet
		if err := q.First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // ok: the read's chain is not known
	})
}

// ok: every column Save writes is assigned anew after the read.
func saveAllAssigned(db *gorm.DB, id uint, owner string, balance int64, version int) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Owner, w.Balance, w.Version = owner, balance, version
	return db.Save(&w).Error // ok: nothing read is written back
}

// ok: gorm.Expr from the column itself, in Updates.
func atomicExprInUpdates(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(map[string]any{"balance": gorm.Expr("balance - ?", 5)}).Error // ok: atomic
}

// ok: gorm.Expr from the column itself, in UpdateColumn.
func atomicExprInUpdateColumn(db *gorm.DB, id uint, n int64) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).UpdateColumn("balance", gorm.Expr("balance * ?", n)).Error // ok: atomic
}

// ok: repeatable read with Transaction's options.
func repeatableReadTransaction(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // ok: repeatable read
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
}

// ok: a setting next to a real lock.
func setAndLocked(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Set("audit:reason", "bump").Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		w.Balance += 10
		return tx.Save(&w).Error // ok: locked in this transaction
	})
}

// ok: gorm.Expr on a chain with Set.
func setAndAtomic(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Set("gorm:query_option", "FOR UPDATE").First(&w, id).Error; err != nil {
		return err
	}
	return db.Set("audit:reason", "bump").Model(&w).Update("balance", gorm.Expr("balance + ?", 1)).Error // ok: atomic
}

// ok: serializable, with v1's query option set as well.
func setAndSerializable(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Set("gorm:query_option", "FOR UPDATE").First(&w, id).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: serializable
	}, &sql.TxOptions{Isolation: sql.LevelSerializable})
}
