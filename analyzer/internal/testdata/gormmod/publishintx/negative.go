package publishintx

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"
	"gorm.io/gorm"
)

// ok: published after the Transaction returned (committed).
func publishAfterTransaction(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error { // want publishAfterTransaction:"publishes via PublishWithContext at negative.go:18"
	o := Order{Status: "new"}
	if err := db.Transaction(func(tx *gorm.DB) error {
		return tx.Create(&o).Error
	}); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "orders", false, false, msg(o.ID)) // ok: after commit
}

// ok: published after Commit.
func publishAfterCommit(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error { // want publishAfterCommit:"publishes via PublishWithContext at negative.go:31"
	tx := db.Begin()
	if err := tx.Create(&Order{Status: "new"}).Error; err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit().Error; err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "orders", false, false, msg(4)) // ok: after commit
}

// ok: no transaction, and the write comes before the publish.
func publishAfterWrite(ctx context.Context, db *gorm.DB, ch *amqp.Channel) error { // want publishAfterWrite:"publishes via PublishWithContext at negative.go:39"
	if err := db.Create(&Order{Status: "new"}).Error; err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "orders", false, false, msg(5)) // ok: autocommit write done
}

// ok: the message is written to an outbox table in the transaction.
func publishViaOutbox(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&Order{Status: "new"}).Error; err != nil {
			return err
		}
		return tx.Create(&OutboxMessage{Topic: "orders"}).Error // ok: an outbox row, no publish
	})
}

// OutboxMessage is an outbox row.
type OutboxMessage struct {
	ID    uint
	Topic string
}
