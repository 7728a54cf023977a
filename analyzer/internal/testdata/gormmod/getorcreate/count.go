package getorcreate

import (
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A count of 0, then Create: two sign-ups with the same email both count
// none and both insert.
func signUp(db *gorm.DB, email, name string) error {
	var n int64
	if err := db.Model(&User{}).Where("email = ?", email).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return errors.New("email taken")
	}
	return db.Create(&User{Email: email, Name: name}).Error // want `Create inserts into users after Count at line 14 counted no rows`
}

// The same in a transaction, the model given by a struct condition.
func signUpInTx(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var n int64
		tx.Model(&User{}).Where(&User{Email: email}).Count(&n)
		if n == 0 {
			return tx.Create(&User{Email: email}).Error // want `Create inserts into users after Count at line 27 counted no rows`
		}
		return nil
	})
}

// Count with the table named, and the model from Model.
func invite(db *gorm.DB, email string) error {
	var count int64
	err := db.Table("users").Model(&User{}).Where("email = ?", email).Count(&count).Error
	if err == nil && count < 1 {
		err = db.Table("users").Create(&User{Email: email}).Error // want `Create inserts into users after Count at line 38 counted no rows`
	}
	return err
}

// ok: the insert skips a duplicate in the same statement.
func signUpOnConflict(db *gorm.DB, email string) error {
	var n int64
	db.Model(&User{}).Where("email = ?", email).Count(&n)
	if n == 0 {
		return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&User{Email: email}).Error
	}
	return nil
}

// ok: a limit on the rows a name may have, not a check for one.
func limitNames(db *gorm.DB, email, name string) error {
	var n int64
	db.Model(&User{}).Where("name = ?", name).Count(&n)
	if n >= 3 {
		return errors.New("name used three times")
	}
	return db.Create(&User{Email: email, Name: name}).Error
}

// ok: the count is of another model's table than the insert.
func firstAdmin(db *gorm.DB, email string) error {
	var admins int64
	db.Model(&Admin{}).Count(&admins)
	if admins == 0 {
		return db.Create(&User{Email: email}).Error
	}
	return nil
}

// Admin is another model.
type Admin struct {
	ID     uint
	UserID uint
}
