package lostupdate

import "gorm.io/gorm"

// getWallet loads a wallet and hands out a pointer to it, as repositories do.
func getWallet(db *gorm.DB, id uint) (*Wallet, error) {
	var w Wallet
	if err := db.First(&w, id).Error; err != nil {
		return nil, err
	}
	return &w, nil
}

// ok: every column Save writes is assigned anew through the pointer.
func saveAllAssignedViaPointer(db *gorm.DB, id uint, owner string, balance int64, version int) error {
	w, err := getWallet(db, id)
	if err != nil {
		return err
	}
	w.Owner, w.Balance, w.Version = owner, balance, version
	return db.Save(w).Error // ok: nothing read is written back
}

// walletStore is a repository handing out pointers to what it loaded.
type walletStore struct{ db *gorm.DB }

func (s *walletStore) get(id uint) (*Wallet, error) { return getWallet(s.db, id) }

// ok: a repository method's pointer, every column assigned before a
// conditional Save.
func (s *walletStore) saveAssignedThenMaybe(id uint, owner string, dry bool) error {
	w, err := s.get(id)
	if err != nil {
		return err
	}
	w.Owner, w.Balance, w.Version = owner, 0, 1
	if dry {
		return nil
	}
	return s.db.Save(w).Error // ok: every column assigned before the branch
}

// ok: the pointer is a single-result helper's; Updates writes only the
// columns assigned after the read.
func updatesAssignedViaPointer(db *gorm.DB, id uint, balance int64) error {
	w := mustWallet(db, id)
	w.Balance = balance
	return db.Model(w).Updates(map[string]any{"balance": w.Balance}).Error // ok: balance assigned anew
}

func mustWallet(db *gorm.DB, id uint) *Wallet {
	w, err := getWallet(db, id)
	if err != nil {
		panic(err)
	}
	return w
}

// Only some columns are assigned: the others are written back.
func saveSomeAssignedViaPointer(db *gorm.DB, id uint, owner string) error {
	w, err := getWallet(db, id)
	if err != nil {
		return err
	}
	w.Owner = owner
	return db.Save(w).Error // want `Balance, Version read by First at line 8 are written back by Save`
}

// The column is assigned on one branch only: the other writes it back.
func saveAssignedOnOnePath(db *gorm.DB, id uint, owner string, balance int64, reset bool) error {
	w, err := getWallet(db, id)
	if err != nil {
		return err
	}
	w.Owner, w.Version = owner, 2
	if reset {
		w.Balance = balance
	}
	return db.Save(w).Error // want `Balance read by First at line 8 is written back by Save`
}

// The old value, loaded before the assignment, is what Update writes.
func updateOldValueViaPointer(db *gorm.DB, id uint) error {
	w, err := getWallet(db, id)
	if err != nil {
		return err
	}
	old := w.Balance
	w.Balance = 0
	return db.Model(w).Update("balance", old+1).Error // want `Balance read by First at line 8 is written back by Update`
}

// ok: through the pointer, the column is assigned on both branches.
func saveAssignedOnBothPaths(db *gorm.DB, id uint, owner string, balance int64, reset bool) error {
	w, err := getWallet(db, id)
	if err != nil {
		return err
	}
	w.Owner, w.Version = owner, 2
	if reset {
		w.Balance = 0
	} else {
		w.Balance = balance
	}
	return db.Save(w).Error // ok: Balance assigned on both branches
}
