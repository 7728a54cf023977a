package getorcreate

import (
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ok: the miss of a map condition leads to an insert that does nothing
// on a conflict.
func whereMapCreateOnConflict(db *gorm.DB, email string) error {
	var u User
	err := db.Where(map[string]any{"email": email}).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&User{Email: email}).Error // ok: on conflict
	}
	return err
}

// ok: the read by a model literal found a row; another table is written.
func whereStructCreateOther(db *gorm.DB, email string) error {
	var u User
	if err := db.Where(&User{Email: email}).First(&u).Error; err != nil {
		return err
	}
	return db.Create(&Login{UserID: u.ID}).Error // ok: not a miss, another table
}

// ok: an upsert on the unique column, after a Not read.
func notThenUpsert(db *gorm.DB, email string) error {
	var u User
	err := db.Not("name = ?", "").Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "email"}},
			DoUpdates: clause.AssignmentColumns([]string{"name"}),
		}).Create(&User{Email: email}).Error // ok: upsert
	}
	return err
}

// ok: Exec inserts with ON CONFLICT DO NOTHING.
func rawThenExecOnConflict(db *gorm.DB, email string) error {
	var u User
	if db.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).RowsAffected == 0 {
		return db.Exec("INSERT INTO users (email) VALUES (?) ON CONFLICT (email) DO NOTHING", email).Error // ok: on conflict
	}
	return nil
}

// ok: the Raw read is of another table than the Exec insert.
func rawOtherTable(db *gorm.DB, email string) error {
	var u User
	if db.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).RowsAffected == 0 {
		return db.Exec("INSERT INTO signups (email) VALUES (?)", email).Error // ok: another table
	}
	return nil
}

// ok: the Exec that may fail runs in a savepoint rolled back to.
func execInSavepoint(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		tx.SavePoint("insert")
		if err := tx.Exec("INSERT INTO users (email) VALUES (?)", email).Error; err != nil {
			tx.RollbackTo("insert")
			var u User
			return tx.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).Error // ok: rolled back to the savepoint
		}
		return nil
	})
}

// ok: Joins on the read, an insert into another table.
func joinsThenCreateOther(db *gorm.DB, email string) error {
	var u User
	if err := db.Joins("JOIN teams ON teams.id = users.team_id").Where("users.email = ?", email).First(&u).Error; err != nil {
		return err
	}
	return db.Create(&Login{UserID: u.ID}).Error // ok: another table
}

// ok: a scope of unknown body: not judged as the read of any table.
func scopeUnknownThenCreate(db *gorm.DB, email string, scope func(*gorm.DB) *gorm.DB) error {
	var u User
	err := db.Scopes(scope).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // ok: the read is not known
	}
	return err
}

// ok: FirstOrCreate whose insert does nothing on a conflict, with Attrs.
func attrsFirstOrCreateOnConflict(db *gorm.DB, email, name string) error {
	var u User
	return db.Clauses(clause.OnConflict{DoNothing: true}).Where(User{Email: email}).Attrs(User{Name: name}).FirstOrCreate(&u).Error // ok: on conflict
}

// ok: Assign with FirstOrInit and no save: nothing is inserted.
func assignFirstOrInitOnly(db *gorm.DB, email, name string) (User, error) {
	var u User
	err := db.Where(User{Email: email}).Assign(User{Name: name}).FirstOrInit(&u).Error // ok: no save
	return u, err
}

// ok: the save after Attrs and FirstOrInit does nothing on a conflict.
func attrsFirstOrInitSaveOnConflict(db *gorm.DB, email, name string) error {
	var u User
	db.Where(User{Email: email}).Attrs(User{Name: name}).FirstOrInit(&u)
	return db.Clauses(clause.OnConflict{DoNothing: true}).Save(&u).Error // ok: on conflict
}

// ok: the missing rows are inserted with ON CONFLICT DO NOTHING.
func createMissingSliceOnConflict(db *gorm.DB, emails []string) error {
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
	return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&missing).Error // ok: on conflict
}

// ok: the rows read are copied into another table's rows.
func copySliceToOtherTable(db *gorm.DB) error {
	var users []User
	if err := db.Find(&users).Error; err != nil {
		return err
	}
	logins := make([]Login, 0, len(users))
	for _, u := range users {
		logins = append(logins, Login{UserID: u.ID})
	}
	return db.Create(&logins).Error // ok: another table
}

// ok: the slice inserted does not depend on the rows read.
func createSliceUnrelated(db *gorm.DB, users []User) error {
	var existing []User
	if err := db.Find(&existing).Error; err != nil {
		return err
	}
	return db.Create(&users).Error // ok: not decided by the read
}

// ok: ErrDuplicatedKey handled by returning it: the transaction ends.
func duplicateReturned(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{Email: email}
		if err := tx.Create(&u).Error; errors.Is(err, gorm.ErrDuplicatedKey) {
			return err // ok: rolled back by Transaction
		}
		return tx.Model(&u).Update("name", "new").Error // ok: only after success
	})
}

// ok: the read's chain is built on two paths: its statement is not known,
// and neither is its miss (silent rather than guessed).
func createAfterChainOnTwoPaths(db *gorm.DB, email string, active bool) error {
	q := db.Where("email = ?", email)
	if active {
		q = q.Where("active = ?", true)
	}
	var u User
	if err := q.First(&u).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // ok: the read's chain is not known
	}
	return nil
}
