// Package getorcreate holds GORM check-then-insert shapes for getorcreate.
package getorcreate

import (
	"errors"

	"gorm.io/gorm"
)

// User is a GORM model with a unique email.
type User struct {
	ID    uint
	Email string `gorm:"uniqueIndex"`
	Name  string
}

// FirstOrCreate reads, then inserts when it found nothing.
func firstOrCreate(db *gorm.DB, email string) (User, error) {
	var u User
	err := db.Where("email = ?", email).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into users when its own read finds no row \(get-or-create race`
	return u, err
}

// FirstOrCreate with inline conditions, in a transaction.
func firstOrCreateInTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var u User
		return tx.FirstOrCreate(&u, User{Email: email}).Error // want `FirstOrCreate inserts into users when its own read finds no row`
	})
}

// errors.Is(err, gorm.ErrRecordNotFound), then Create.
func createWhenNotFound(db *gorm.DB, email string) (*User, error) {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		u = User{Email: email}
		if err := db.Create(&u).Error; err != nil { // want `Create inserts into users after First at line 35 found no row`
			return nil, err
		}
		return &u, nil
	}
	return &u, err
}

// err == gorm.ErrRecordNotFound inside a transaction.
func createWhenNotFoundInTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, "email = ?", email).Error; err == gorm.ErrRecordNotFound {
			return tx.Create(&User{Email: email}).Error // want `Create inserts into users after Take at line 50 found no row`
		}
		return nil
	})
}

// Find(...).RowsAffected == 0, then Create.
func createWhenNoneFound(db *gorm.DB, email string) error {
	var users []User
	if db.Where("email = ?", email).Find(&users).RowsAffected == 0 {
		return db.Create(&User{Email: email}).Error // want `Create inserts into users after Find at line 60 returned no rows`
	}
	return nil
}

// A failed Create aborts the transaction: the read after it fails too.
func rereadInAbortedTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{Email: email}
		if err := tx.Create(&u).Error; errors.Is(err, gorm.ErrDuplicatedKey) {
			return tx.Where("email = ?", email).First(&u).Error // want `First runs in the transaction after Create at line 70 failed`
		}
		return nil
	})
}

// FirstOrInit fills u when it finds nothing; Save then inserts it.
func firstOrInitSave(db *gorm.DB, email, name string) error {
	var u User
	if err := db.Where("email = ?", email).FirstOrInit(&u).Error; err != nil {
		return err
	}
	u.Name = name
	return db.Save(&u).Error // want `Save inserts into users after FirstOrInit at line 80 found no row`
}

// FirstOrInit with inline conditions, in a transaction.
func firstOrInitSaveInTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{}
		tx.FirstOrInit(&u, User{Email: email})
		return tx.Save(&u).Error // want `Save inserts into users after FirstOrInit at line 91 found no row`
	})
}

// FirstOrInit then Save behind a branch.
func firstOrInitSaveNamed(db *gorm.DB, email, name string) error {
	var u User
	db.FirstOrInit(&u, "email = ?", email)
	if name != "" {
		u.Name = name
	}
	return db.Save(&u).Error // want `Save inserts into users after FirstOrInit at line 99 found no row`
}

// FirstOrCreate through Model and Where, with a Begin transaction.
func firstOrCreateBegin(db *gorm.DB, email string) error {
	tx := db.Begin()
	var u User
	if err := tx.Model(&User{}).Where("email = ?", email).FirstOrCreate(&u).Error; err != nil { // want `FirstOrCreate inserts into users when its own read finds no row`
		tx.Rollback()
		return err
	}
	return tx.Commit().Error
}
