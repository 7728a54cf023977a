package getorcreate

import (
	"errors"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ok: ON CONFLICT DO NOTHING: the unique index decides.
func createOnConflict(db *gorm.DB, email string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&User{Email: email}).Error // ok: on conflict
	}
	return err
}

// ok: FirstOrCreate whose insert does nothing on a conflict.
func firstOrCreateOnConflict(db *gorm.DB, email string) error {
	var u User
	return db.Clauses(clause.OnConflict{DoNothing: true}).Where("email = ?", email).FirstOrCreate(&u).Error // ok: on conflict
}

// ok: an upsert.
func upsert(db *gorm.DB, email, name string) error {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&User{Email: email, Name: name}).Error // ok: upsert
	}
	return err
}

// ok: the unique violation is handled after the Create (TranslateError
// makes it gorm.ErrDuplicatedKey): the row is read again.
func createThenReread(db *gorm.DB, email string) (User, error) {
	var u User
	err := db.Where("email = ?", email).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		u = User{Email: email}
		err = db.Create(&u).Error // ok: the duplicate is handled below
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			err = db.Where("email = ?", email).First(&u).Error
		}
	}
	return u, err
}

// ok: the Create runs in a savepoint (a nested Transaction): its failure
// leaves the outer transaction usable.
func createInSavepoint(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{Email: email}
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Create(&u).Error
		})
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return tx.Where("email = ?", email).First(&u).Error // ok: the savepoint was rolled back
		}
		return err
	})
}

// ok: SavePoint and RollbackTo around the Create.
func createWithRollbackTo(db *gorm.DB, email string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		u := User{Email: email}
		tx.SavePoint("create")
		if err := tx.Create(&u).Error; err != nil {
			tx.RollbackTo("create")
			return tx.Where("email = ?", email).First(&u).Error // ok: rolled back to the savepoint
		}
		return nil
	})
}

// ok: the read found a row; the insert is of another table's row.
func createOther(db *gorm.DB, email string) error {
	var u User
	if err := db.Where("email = ?", email).First(&u).Error; err != nil {
		return err
	}
	return db.Create(&Login{UserID: u.ID}).Error // ok: not a miss, another table
}

// Login is another model.
type Login struct {
	ID     uint
	UserID uint
}

// open connects with TranslateError, which turns PostgreSQL's unique
// violation into gorm.ErrDuplicatedKey for createThenReread.
func open(dsn string) (*gorm.DB, error) {
	return gorm.Open(postgres.Open(dsn), &gorm.Config{TranslateError: true})
}

// ok: FirstOrInit without a save: nothing is inserted.
func firstOrInitOnly(db *gorm.DB, email string) (User, error) {
	var u User
	err := db.FirstOrInit(&u, User{Email: email}).Error // ok: no save
	return u, err
}

// ok: the save's insert does nothing on a conflict.
func firstOrInitSaveOnConflict(db *gorm.DB, email string) error {
	var u User
	db.FirstOrInit(&u, User{Email: email})
	return db.Clauses(clause.OnConflict{DoNothing: true}).Save(&u).Error // ok: on conflict
}

// ok: the value saved is not the one FirstOrInit filled.
func firstOrInitSaveOther(db *gorm.DB, email string, l Login) error {
	var u User
	db.FirstOrInit(&u, User{Email: email})
	l.UserID = u.ID
	return db.Save(&l).Error // ok: another value, another table
}
