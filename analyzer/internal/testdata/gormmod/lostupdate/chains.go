package lostupdate

import (
	"database/sql"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Where with a model literal: its set fields are the conditions.
func whereStruct(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Where(&Wallet{ID: id}).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where(map[string]any{"id": id}).Update("balance", w.Balance+1).Error // want `Balance read by First at line 13 is written back by Update`
}

// Where with a model value (not a pointer), then Save.
func whereStructValue(db *gorm.DB, owner string) error {
	var w Wallet
	if err := db.Where(Wallet{Owner: owner}).First(&w).Error; err != nil {
		return err
	}
	w.Version++
	return db.Save(&w).Error // want `Balance, Version read by First at line 22 are written back by Save`
}

// Where with a map of columns.
func whereMap(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Where(map[string]any{"id": id}).Take(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Where("id = ?", id).Update("balance", w.Balance-1).Error // want `Balance read by Take at line 32 is written back by Update`
}

// Not narrows the read; the write is by the key read.
func notOnRead(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Not("owner = ?", "closed").First(&w, id).Error; err != nil {
		return err
	}
	w.Balance++
	return db.Save(&w).Error // want `Owner, Balance, Version read by First at line 41 are written back by Save`
}

// Or on the read: the write names the row read by its key.
func orOnRead(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.Where("id = ?", id).Or("owner = ?", owner).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 51 is written back by Update`
}

// Not with a map on the read, Updates by the key read.
func notMapOnRead(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Where("id = ?", id).Not(map[string]any{"owner": ""}).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(map[string]any{"balance": w.Balance * 2}).Error // want `Balance read by First at line 60 is written back by Updates`
}

// Select narrows Save to the columns named: Balance comes from the read.
func selectSave(db *gorm.DB, id uint, owner string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	w.Owner = owner
	return db.Select("owner", "balance").Save(&w).Error // want `Balance read by First at line 69 is written back by Save`
}

// Omit leaves a column out of Save; the others are written back.
func omitSave(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Omit("owner").Save(&w).Error // want `Balance, Version read by First at line 79 are written back by Save`
}

// Select names the field Updates writes.
func selectUpdates(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Select("id", "balance").First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Select("Balance").Updates(Wallet{Balance: w.Balance + 1}).Error // want `Balance read by First at line 88 is written back by Updates`
}

// Raw reads, Exec writes the value back.
func rawThenExec(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT * FROM wallets WHERE id = ?", id).Scan(&w).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = ? WHERE id = ?", w.Balance+1, id).Error // want `Balance read by Scan at line 97 is written back by Exec`
}

// Raw with a named parameter, then a chain on the same table.
func rawNamedThenUpdate(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Raw("SELECT id, balance FROM wallets WHERE id = @id", sql.Named("id", id)).Scan(&w).Error; err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+10).Error // want `Balance read by Scan at line 106 is written back by Update`
}

// A chain reads, Exec with @name parameters from a map writes.
func firstThenNamedExec(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Exec("UPDATE wallets SET balance = @b WHERE id = @id", map[string]any{"b": w.Balance - 1, "id": id}).Error // want `Balance read by First at line 115 is written back by Exec`
}

// Joins on a read: still a read of the model's row.
func joinsThenSave(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Joins("JOIN owners ON owners.name = wallets.owner").First(&w, id).Error; err != nil {
		return err
	}
	w.Balance++
	return db.Save(&w).Error // want `Owner, Balance, Version read by First at line 124 are written back by Save`
}

// InnerJoins, then Update, in a transaction.
func innerJoinsThenUpdate(db *gorm.DB, id uint) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var w Wallet
		if err := tx.InnerJoins("JOIN owners ON owners.name = wallets.owner").Where("wallets.id = ?", id).Take(&w).Error; err != nil {
			return err
		}
		return tx.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by Take at line 135 is written back by Update \(lost update: read it FOR UPDATE in this transaction`
	})
}

// Preload and Joins together, then Updates.
func preloadJoinsThenUpdates(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Preload("Notes").Joins("LEFT JOIN owners ON owners.name = wallets.owner").First(&w, id).Error; err != nil {
		return err
	}
	return db.Model(&w).Updates(Wallet{Balance: w.Balance + 5}).Error // want `Balance read by First at line 145 is written back by Updates`
}

// byID is a scope made by a function: the condition is the caller's id.
func byID(id uint) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where("id = ?", id)
	}
}

// funded is a scope function.
func funded(db *gorm.DB) *gorm.DB {
	return db.Where("balance > ?", 0)
}

// A scope made by a function call names the row.
func scopeByID(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Scopes(byID(id)).First(&w).Error; err != nil {
		return err
	}
	return db.Model(&Wallet{}).Scopes(byID(id)).Update("balance", w.Balance+1).Error // want `Balance read by First at line 166 is written back by Update`
}

// A scope function, then Save.
func scopeFunc(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.Scopes(funded).First(&w, id).Error; err != nil {
		return err
	}
	w.Balance--
	return db.Save(&w).Error // want `Owner, Balance, Version read by First at line 175 are written back by Save`
}

// A closure as the scope.
func scopeClosure(db *gorm.DB, owner string) error {
	var w Wallet
	err := db.Scopes(func(d *gorm.DB) *gorm.DB { return d.Where("owner = ?", owner) }).First(&w).Error
	if err != nil {
		return err
	}
	return db.Model(&w).Update("balance", w.Balance+1).Error // want `Balance read by First at line 185 is written back by Update`
}

// Rows read by Find and saved together: an upsert of every column.
func saveSlice(db *gorm.DB, owner string) error {
	var ws []Wallet
	if err := db.Where("owner = ?", owner).Find(&ws).Error; err != nil {
		return err
	}
	for i := range ws {
		ws[i].Balance++
	}
	return db.Save(&ws).Error // want `Balance, Version read by Find at line 195 are written back by Save`
}

// A slice of pointers, given by value.
func saveSliceOfPointers(db *gorm.DB) error {
	var ws []*Wallet
	if err := db.Find(&ws, "balance < ?", 0).Error; err != nil {
		return err
	}
	for _, w := range ws {
		w.Balance = 0
	}
	return db.Save(ws).Error // want `read by Find at line 207 (is|are) written back by Save`
}

// Rows read in a transaction, saved in it.
func saveSliceInTx(db *gorm.DB, owner string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var ws []Wallet
		if err := tx.Where("owner = ?", owner).Find(&ws).Error; err != nil {
			return err
		}
		return tx.Save(&ws).Error // want `read by Find at line 220 are written back by Save \(lost update: read it FOR UPDATE in this transaction`
	})
}

// The upsert sets the column from EXCLUDED: the value inserted was read.
func upsertAssignmentColumns(db *gorm.DB, name string) error {
	var c Counter
	if err := db.First(&c, "name = ?", name).Error; err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value"}),
	}).Create(&Counter{Name: name, Value: c.Value + 1}).Error // want `Value read by First at line 230 is written back by Create`
}

// UpdateAll sets every inserted column.
func upsertUpdateAll(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Wallet{ID: w.ID, Owner: w.Owner, Balance: w.Balance + 1}).Error // want `Owner, Balance read by First at line 242 are written back by Create`
}

// Assignments with a value from the read.
func upsertAssignments(db *gorm.DB, name string) error {
	var c Counter
	if err := db.First(&c, "name = ?", name).Error; err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.Assignments(map[string]any{"value": c.Value + 1}),
	}).Create(&Counter{Name: name}).Error // want `Value read by First at line 251 is written back by Create`
}
