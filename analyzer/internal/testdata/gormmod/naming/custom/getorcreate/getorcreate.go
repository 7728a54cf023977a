// Package getorcreate holds check-then-insert shapes where tables are
// named by a strategy txvet does not read (the database is opened by
// customdb).
package getorcreate

import (
	"errors"

	"gorm.io/gorm"

	"example.com/gormmod/naming/customdb"
)

var _ = customdb.Open

// User's table has a name txvet cannot tell.
type User struct {
	ID    uint
	Email string
}

// FirstOrCreate races whatever the table's name.
func firstOrCreate(db *gorm.DB, email string) error {
	var u User
	return db.Where("email = ?", email).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into table of getorcreate.User when its own read finds no row`
}

// A miss, then Create of the same model.
func firstThenCreate(db *gorm.DB, email string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // want `Create inserts into table of getorcreate.User after First at line 31 found no row`
	}
	return err
}

// Find, then Create when none.
func findThenCreate(db *gorm.DB, email string) error {
	var us []User
	if db.Where("email = ?", email).Find(&us).RowsAffected == 0 {
		return db.Create(&User{Email: email}).Error // want `Create inserts into table of getorcreate.User after Find at line 41 returned no rows`
	}
	return nil
}

// ok: Exec inserts into a table the model's may not be.
func firstThenExec(db *gorm.DB, email string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Exec("INSERT INTO users (email) VALUES (?)", email).Error // ok: tables not known to match
	}
	return err
}

// ok: Raw reads a table the model's may not be.
func rawThenCreate(db *gorm.DB, email string) error {
	var u User
	if db.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).RowsAffected == 0 {
		return db.Create(&User{Email: email}).Error // ok: tables not known to match
	}
	return nil
}

// ok: Table names the table itself, another than the model's.
func tableNamed(db *gorm.DB, email string) error {
	var u User
	err := db.Table("users").Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // ok: tables not known to match
	}
	return err
}
