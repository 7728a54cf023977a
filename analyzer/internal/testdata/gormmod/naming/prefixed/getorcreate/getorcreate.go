// Package getorcreate holds check-then-insert shapes where tables are
// named with a prefix (the database is opened by prefixdb).
package getorcreate

import (
	"errors"

	"gorm.io/gorm"

	"example.com/gormmod/naming/prefixdb"
)

var _ = prefixdb.Open

// User's table is t_user.
type User struct {
	ID    uint
	Email string
}

// The message names the prefixed table.
func firstOrCreate(db *gorm.DB, email string) error {
	var u User
	return db.Where("email = ?", email).FirstOrCreate(&u).Error // want `FirstOrCreate inserts into t_user when its own read finds no row`
}

// A chain reads, Exec inserts into the prefixed table.
func firstThenExecInsert(db *gorm.DB, email string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Exec("INSERT INTO t_user (email) VALUES (?)", email).Error // want `Exec inserts into t_user after First at line 30 found no row`
	}
	return err
}

// Raw reads the prefixed table, a chain inserts.
func rawThenCreate(db *gorm.DB, email string) error {
	var u User
	if db.Raw("SELECT * FROM t_user WHERE email = ?", email).Scan(&u).RowsAffected == 0 {
		return db.Create(&User{Email: email}).Error // want `Create inserts into t_user after Scan at line 40 returned no rows`
	}
	return nil
}

// ok: the insert is into the default name, another table.
func execDefaultName(db *gorm.DB, email string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Exec("INSERT INTO users (email) VALUES (?)", email).Error // ok: another table
	}
	return err
}

// ok: Raw reads the default name, another table.
func rawDefaultName(db *gorm.DB, email string) error {
	var u User
	if db.Raw("SELECT * FROM users WHERE email = ?", email).Scan(&u).RowsAffected == 0 {
		return db.Create(&User{Email: email}).Error // ok: another table
	}
	return nil
}

// ok: Table names the table itself: no prefix.
func tableNamed(db *gorm.DB, email string) error {
	var u User
	err := db.Table("accounts").Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Create(&User{Email: email}).Error // ok: another table
	}
	return err
}
