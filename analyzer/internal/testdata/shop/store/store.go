// Package store hands out transactions through an interface, which txvet
// cannot see into: .golangci.yml names its method in begin-funcs.
package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Runner runs fn in a transaction.
type Runner interface {
	InTx(ctx context.Context, fn func(tx pgx.Tx) error) error
}

// Events is the shop's own message bus: .golangci.yml names Emit in
// publish-funcs.
type Events interface {
	Emit(ctx context.Context, topic string) error
}
