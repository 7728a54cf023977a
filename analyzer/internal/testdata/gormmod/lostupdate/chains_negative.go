package lostupdate

import (
	"database/sql"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ok: the map literal compares the version read: a compare-and-set.
func whereMapCompareAndSet(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Where(&Wallet{ID: id}).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where(map[string]any{"id": w.ID, "version": w.Version}).
		Updates(map[string]any{"balance": w.Balance + 1, "version": w.Version + 1}).Error // ok: compare-and-set
}

// ok: the write is of another row than the one the model literal read.
func whereStructOtherRow(db *gorm.DB, id, other uint) error {
	var w Wallet
	if err := db.Where(&Wallet{ID: id}).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where(map[string]any{"id": other}).Update("balance", w.Balance).Error // ok: another row
}

// ok: the model literal read is locked in the writing transaction.
func whereStructLocked(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(Wallet{Owner: owner}).First(&w).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: locked
	})
}

// ok: with Or the row read need not be the one whose id is compared.
func orReadOtherRow(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.Where("id = ?", id).Or("owner = ?", owner).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where("id = ?", id).Update("balance", w.Balance+1).Error // ok: the row read is not known
}

// ok: Not writes every row but the one read.
func notWriteOtherRows(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Not("id = ?", id).Update("balance", w.Balance).Error // ok: other rows
}

// ok: Not with a map reads some row other than id's.
func notMapReadOtherRow(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Not(map[string]any{"id": id}).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where("id = ?", id).Update("balance", w.Balance+1).Error // ok: the row read is another
}

// ok: Select narrows Save to the column assigned anew.
func selectSaveAssigned(db *gorm.DB, id uint, balance int64) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Balance = balance
	return db.Select("balance").Save(&w).Error // ok: only balance is written, not from the read
}

// ok: Omit leaves out every column that came from the read.
func omitSaveAssigned(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Owner = owner
	return db.Omit("balance", "version").Save(&w).Error // ok: only owner is written
}

// ok: the read selects other columns: Balance was not read.
func selectReadOther(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Select("id", "owner").First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // ok: balance not read
}

// ok: Omit drops the column from the map.
func omitUpdatesMap(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Omit("balance").Updates(map[string]any{"balance": w.Balance + 1, "owner": owner}).Error // ok: balance omitted
}

// ok: Exec computes the column in SQL.
func rawThenAtomicExec(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT * FROM wallets WHERE id = ?", id).Scan(&w).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = balance + ? WHERE id = ?", 1, w.ID).Error // ok: atomic
}

// ok: Raw reads FOR UPDATE in the transaction that writes.
func rawLockedThenExec(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Raw("SELECT * FROM wallets WHERE id = @id FOR UPDATE", sql.Named("id", id)).Scan(&w).Error; err != nil {
			return err
		}
		return tx.Exec("UPDATE wallets SET balance = ? WHERE id = ?", w.Balance+1, id).Error // ok: locked
	})
}

// ok: Exec's @name is bound to no argument: the statement is not known.
func execNameUnbound(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = @b WHERE id = @id", sql.Named("b", w.Balance+1)).Error // ok: @id unbound
}

// ok: Joins on a read locked in the writing transaction.
func joinsLocked(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Joins("JOIN owners ON owners.name = wallets.owner").First(&w, id).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: locked
	})
}

// ok: Joins on a read, then an update computed in SQL.
func joinsThenAtomic(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Joins("JOIN owners ON owners.name = wallets.owner").First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", gorm.Expr("balance + ?", 1)).Error // ok: atomic
}

// ok: Joins on a read at serializable.
func joinsSerializable(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.InnerJoins("JOIN owners ON owners.name = wallets.owner").First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // ok: serializable
	}, &sql.TxOptions{Isolation: sql.LevelSerializable})
}

// forUpdate is a scope that locks the rows read.
func forUpdate(db *gorm.DB) *gorm.DB {
	return db.Clauses(clause.Locking{Strength: "UPDATE"})
}

// ok: the scope locks the row in the writing transaction.
func scopeLocks(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Scopes(forUpdate).First(&w, id).Error; err != nil {
			return err
		}
		w.Balance++
		return tx.Save(&w).Error // ok: locked by the scope
	})
}

// ok: a scope from the caller may lock: not judged.
func scopeUnknown(db *gorm.DB, id uint, scope func(*gorm.DB) *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Scopes(scope).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // ok: the scope is not known
	})
}

// maybeLocked is a scope that locks on one path only.
func maybeLocked(lock bool) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if lock {
			return db.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		return db
	}
}

// ok: the scope's chain depends on a branch: not judged.
func scopeBranches(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Scopes(maybeLocked(true)).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // ok: the scope is not read
	})
}

// ok: rows locked FOR UPDATE in the transaction that saves them.
func saveSliceLocked(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var ws []Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("owner = ?", owner).Find(&ws).Error; err != nil {
			return err
		}
		return tx.Save(&ws).Error // ok: locked
	})
}

// ok: the rows saved are built, not read.
func saveSliceBuilt(db *gorm.DB, owners []string) error {
	var ws []Wallet
	for _, o := range owners {
		ws = append(ws, Wallet{Owner: o})
	}
	return db.Save(&ws).Error // ok: nothing read
}

// ok: the rows read are saved at repeatable read.
func saveSliceRepeatableRead(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var ws []Wallet
		if err := tx.Where("owner = ?", owner).Find(&ws).Error; err != nil {
			return err
		}
		return tx.Save(&ws).Error // ok: repeatable read
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
}

// ok: the upsert computes the column in SQL.
func upsertAtomic(db *gorm.DB, name string) error {
	var c Counter
	if err := db.First(&c, "name = ?", name).Error; err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.Assignments(map[string]any{"value": gorm.Expr("counters.value + ?", 1)}),
	}).Create(&Counter{Name: name, Value: c.Value}).Error // ok: atomic; the value read is only a new row's
}

// ok: the upsert sets only a column given afresh; the value read goes
// into a new row only.
func upsertOtherColumn(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"owner"}),
	}).Create(&Wallet{ID: w.ID, Owner: owner, Balance: w.Balance}).Error // ok: balance is not updated
}

// ok: the row is locked in the transaction that upserts it.
func upsertLocked(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&w, id).Error; err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Wallet{ID: w.ID, Owner: w.Owner, Balance: w.Balance + 1}).Error // ok: locked
	})
}
