package lostupdate

import (
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Menu is a tree of menus; Paths lists each menu's ancestors.
type Menu struct {
	ID       uint
	ParentID uint
	Paths    string
}

// ok: go-admin's migration: each menu's Paths is computed on both branches
// before the write, from its parent's on one of them.
func menuPaths(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var list []Menu
		if err := tx.Order("parent_id, id").Find(&list).Error; err != nil {
			return err
		}
		for _, v := range list {
			if v.ParentID == 0 {
				v.Paths = "/0/" + strconv.Itoa(int(v.ID))
			} else {
				var parent Menu
				if err := tx.Where("id = ?", v.ParentID).First(&parent).Error; err != nil {
					if err == gorm.ErrRecordNotFound {
						continue
					}
					return err
				}
				v.Paths = parent.Paths + "/" + strconv.Itoa(int(v.ID))
			}
			if err := tx.Model(&v).Update("paths", v.Paths).Error; err != nil { // ok: Paths assigned on both branches
				return err
			}
		}
		return nil
	})
}

// ok: every case of the switch, the default included, assigns the owner.
func ownerSwitchDefault(db *gorm.DB, id uint, kind int, name string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	switch kind {
	case 0:
		w.Owner = "nobody"
	case 1:
		w.Owner = "admin:" + name
	default:
		w.Owner = name
	}
	return db.Model(&w).Update("owner", w.Owner).Error // ok: w.Owner assigned on every case
}

// ok: the loop runs its body, which assigns the balance, before it can
// leave.
func balanceRetried(db *gorm.DB, id uint, amounts []int64) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	for i := 0; ; i++ {
		if i < len(amounts) {
			w.Balance = amounts[i]
		} else {
			w.Balance = 0
		}
		if w.Balance >= 0 {
			break
		}
	}
	return db.Model(&w).Update("balance", w.Balance).Error // ok: each turn of the loop assigns w.Balance
}

// The owner is assigned only for a name: otherwise the owner read is
// written back.
func ownerIfOnly(db *gorm.DB, id uint, name string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	if name != "" {
		w.Owner = name
	}
	return db.Model(&w).Update("owner", w.Owner).Error // want `Owner read by First at line 87 is written back by Update`
}

// Without a default, a kind of neither case writes the owner read back.
func ownerSwitchNoDefault(db *gorm.DB, id uint, kind int, name string) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	switch kind {
	case 0:
		w.Owner = "nobody"
	case 1:
		w.Owner = name
	}
	return db.Model(&w).Update("owner", w.Owner).Error // want `Owner read by First at line 99 is written back by Update`
}

// The menu whose Paths is assigned is skipped before the write: the one
// written keeps the Paths read.
func menuPathsSkipped(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		var list []Menu
		if err := tx.Find(&list).Error; err != nil {
			return err
		}
		for _, v := range list {
			if v.ParentID == 0 {
				v.Paths = "/0/"
				continue
			}
			if err := tx.Model(&v).Update("paths", v.Paths+"/").Error; err != nil { // want `Paths read by Find at line 116 is written back by Update`
				return err
			}
		}
		return nil
	})
}

// ok: go-admin's initPaths: the parent's Paths, read by the menu's
// ParentID, goes into the menu's own row, looked up by its ID: another row.
func initPaths(tx *gorm.DB, menu *Menu) error {
	if menu.ParentID != 0 {
		parent := new(Menu)
		if err := tx.First(parent, menu.ParentID).Error; err != nil {
			return err
		}
		menu.Paths = parent.Paths + "/" + strconv.Itoa(int(menu.ID))
	} else {
		menu.Paths = "/0/" + strconv.Itoa(int(menu.ID))
	}
	return tx.Model(&Menu{}).Where("id = ?", menu.ID).Update("paths", menu.Paths).Error // ok: the parent's row was read
}

// newOwner returns a fresh owner each call.
func newOwner() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

// An owner found empty is filled in and the row saved: two callers can
// both find it empty.
func ownerFilledIn(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	if w.Owner == "" {
		w.Owner = newOwner()
	}
	return db.Model(&w).Update("owner", w.Owner).Error // want `Owner read by First at line 154 is replaced by a fresh value when empty and written by Update`
}

// The update runs only where the owner was found empty; the first caller's
// owner, returned, is replaced.
func ownerFilledInBranch(db *gorm.DB, id uint) (string, error) {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return "", err
	}
	if w.Owner == "" {
		owner := newOwner()
		return owner, db.Model(&w).Update("owner", owner).Error // want `Owner read by First at line 167 is replaced by a fresh value when empty and written by Update`
	}
	return w.Owner, nil
}

// Page is archived once; ArchivedAt is nil until then.
type Page struct {
	ID         uint
	ArchivedAt *time.Time
}

// ok: devlane's archiving of descendants: two callers can both find a page
// unarchived and both stamp it, but neither hands its time out.
func archivePages(db *gorm.DB, parent uint) error {
	var pages []Page
	if err := db.Where("parent_id = ?", parent).Find(&pages).Error; err != nil {
		return err
	}
	now := time.Now()
	for _, p := range pages {
		if p.ArchivedAt == nil {
			if err := db.Model(&Page{}).Where("id = ?", p.ID).Update("archived_at", now).Error; err != nil { // ok: the time written is not returned
				return err
			}
		}
	}
	return nil
}

// ok: the update fills the owner in only where it is still empty.
func ownerFilledInWhereEmpty(db *gorm.DB, id uint) error {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return err
	}
	if w.Owner == "" {
		return db.Model(&w).Where("owner = ?", "").Update("owner", newOwner()).Error // ok: a compare-and-set on the empty value
	}
	return nil
}
