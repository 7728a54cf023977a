// Package publishintx holds GORM transactions around publishes for
// publishintx.
package publishintx

import (
	"context"
	"database/sql"

	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"
)

// Order is a GORM model.
type Order struct {
	ID     uint
	Status string
}

func msg(id uint) amqp.Publishing { return amqp.Publishing{Body: []byte{byte(id)}} }

// Published inside the Transaction callback: before the commit.
func publishInCallback(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error {
	return db.Transaction(func(tx *gorm.DB) error {
		o := Order{Status: "new"}
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		return ch.PublishWithContext(ctx, "", "orders", false, false, msg(o.ID)) // want `message published by PublishWithContext at line 28 while transaction of the Transaction callback at line 23 is open`
	})
}

// Published with the options' isolation level, still inside.
func publishInSerializable(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Order{ID: 1}).Update("status", "paid").Error; err != nil {
			return err
		}
		return ch.Publish("", "orders", false, false, msg(1)) // want `message published by Publish at line 38 while transaction of the Transaction callback at line 34 is open`
	}, &sql.TxOptions{Isolation: sql.LevelSerializable})
}

// Published between Begin and Commit.
func publishBeforeCommit(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error {
	tx := db.Begin()
	if err := tx.Create(&Order{Status: "new"}).Error; err != nil {
		tx.Rollback()
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "orders", false, false, msg(2)); err != nil { // want `message published by PublishWithContext at line 49 while transaction begun by Begin at line 44 is open`
		tx.Rollback()
		return err
	}
	return tx.Commit().Error
}

// Published in a nested Transaction: the outer one is still open.
func publishInNested(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error {
	return db.Transaction(func(tx *gorm.DB) error {
		return tx.Transaction(func(sp *gorm.DB) error {
			if err := sp.Create(&Order{Status: "new"}).Error; err != nil {
				return err
			}
			return ch.PublishWithContext(ctx, "", "orders", false, false, msg(3)) // want `message published by PublishWithContext at line 63 while transaction of the Transaction callback at line 58 is open`
		})
	})
}
