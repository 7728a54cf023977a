package getorcreate

import (
	"errors"

	"gorm.io/gorm"
)

// Where with a model literal, then Create on a miss.
func whereStructCreate(db *gorm.DB, email string) error {
	var u User
	err := db.Where(&User{Email: email}).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // want `Create inserts into users after First at line 12 found no row`
	}
	return err
}

// Where with a map, FirstOrCreate.
func whereMapFirstOrCreate(db *gorm.DB, email string) error {
	var u User
	return db.Where(map[string]any{"email": email}).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into users when its own read finds no row`
}

// Or widens the check; the insert still follows a miss.
func orThenCreate(db *gorm.DB, email, name string) error {
	var u User
	err := db.Where("email = ?", email).Or("name = ?", name).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email, Name: name}).Error // want `Create inserts into users after Take at line 28 found no row`
	}
	return err
}

// Raw reads, Exec inserts when nothing was scanned.
func rawThenExecInsert(db *gorm.DB, email string) error {
	var u User
	res := db.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u)
	if res.RowsAffected == 0 {
		return db.Exec("INSERT INTO users (email) VALUES (?)", email).Error // want `Exec inserts into users after Scan at line 38 returned no rows`
	}
	return res.Error
}

// Raw with First reports the miss as ErrRecordNotFound.
func rawFirstThenCreate(db *gorm.DB, email string) error {
	var u User
	err := db.Raw("SELECT * FROM users WHERE email = @email", map[string]any{"email": email}).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // want `Create inserts into users after First at line 48 found no row`
	}
	return err
}

// A failed Exec aborts the transaction; the Raw read after it fails too.
func execThenRawInAbortedTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO users (email) VALUES (?)", email).Error; err != nil {
			var u User
			return tx.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).Error // want `Scan runs in the transaction after Exec at line 58 failed \(PostgreSQL aborted the transaction: every statement fails until ROLLBACK; run Exec in a savepoint \(tx.SavePoint\("sp"\) and tx.RollbackTo\("sp"\), or a nested tx.Transaction\) and roll back to it`
		}
		return nil
	})
}

// Joins on the read: still a check of users.
func joinsThenCreate(db *gorm.DB, email string) error {
	var u User
	err := db.Joins("JOIN teams ON teams.id = users.team_id").Where("users.email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // want `Create inserts into users after First at line 69 found no row`
	}
	return err
}

// A closure scope, then FirstOrCreate.
func scopeFirstOrCreate(db *gorm.DB, email string) error {
	var u User
	byEmail := func(d *gorm.DB) *gorm.DB { return d.Where("email = ?", email) }
	return db.Scopes(byEmail).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into users when its own read finds no row`
}

// Attrs gives the fields of the row created.
func attrsFirstOrCreate(db *gorm.DB, email, name string) error {
	var u User
	return db.Where(User{Email: email}).Attrs(User{Name: name}).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into users when its own read finds no row`
}

// Assign also updates the row found: the insert races all the same.
func assignFirstOrCreate(db *gorm.DB, email, name string) error {
	var u User
	return db.Where("email = ?", email).Assign(User{Name: name}).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into users when its own read finds no row`
}

// Attrs with FirstOrInit, then Save.
func attrsFirstOrInitSave(db *gorm.DB, email, name string) error {
	var u User
	db.Where(User{Email: email}).Attrs(User{Name: name}).FirstOrInit(&u)
	return db.Save(&u).Error // want `Save inserts into users after FirstOrInit at line 98 found no row`
}

// The rows read decide which are created, at once.
func createMissingSlice(db *gorm.DB, emails []string) error {
	var existing []User
	if err := db.Find(&existing).Error; err != nil {
		return err
	}
	known := make(map[string]bool)
	for _, u := range existing {
		known[u.Email] = true
	}
	var missing []User
	for _, e := range emails {
		if !known[e] {
			missing = append(missing, User{Email: e})
		}
	}
	return db.Create(&missing).Error // want `Create inserts into users values filtered by Find at line 105`
}

// Find with a condition, the slice created when none is found.
func createSliceWhenNoneFound(db *gorm.DB, name string, users []User) error {
	var found []User
	if db.Where("name = ?", name).Find(&found).RowsAffected == 0 {
		return db.Create(&users).Error // want `Create inserts into users after Find at line 124 returned no rows`
	}
	return nil
}

// The rows read gate the insert of a slice.
func createSliceIfAbsent(db *gorm.DB, emails []string) error {
	var existing []User
	db.Where("name = ?", "x").Find(&existing)
	for _, u := range existing {
		for _, e := range emails {
			if u.Email == e {
				return nil
			}
		}
	}
	users := make([]User, len(emails))
	for i, e := range emails {
		users[i].Email = e
	}
	return db.Create(users).Error // want `Create inserts into users values filtered by Find at line 133`
}

// ErrDuplicatedKey (TranslateError) handled inside the transaction: the
// update after it fails.
func updateAfterDuplicateInTx(db *gorm.DB, email, name string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{Email: email, Name: name}
		if err := tx.Create(&u).Error; errors.Is(err, gorm.ErrDuplicatedKey) {
			return tx.Model(&User{}).Where("email = ?", email).Update("name", name).Error // want `Update runs in the transaction after Create at line 153 failed`
		}
		return nil
	})
}

// ErrDuplicatedKey in a Begin transaction, then a read.
func readAfterDuplicateBegin(db *gorm.DB, email string) error {
	tx := db.Begin()
	u := User{Email: email}
	err := tx.Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		tx.Where("email = ?", email).First(&u) // want `First runs in the transaction after Create at line 164 failed`
	}
	return tx.Commit().Error
}
