package consumers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/transact"
)

// txConsumer applies a batch of messages of type M in one transaction,
// recording each message id in the inbox first: a message already in the
// inbox was applied by an earlier delivery and is only acked.
type txConsumer[M any] struct {
	cfg  Config
	name string
	// validate checks a decoded message's fields; an error dead-letters it.
	validate func(M) error
	// lockOrder sorts a batch so concurrent batches take row locks in one
	// order instead of deadlocking.
	lockOrder func(M) string
	// apply makes the state changes of the batch's new messages in tx, in
	// a constant number of statements; msgs are in lock order. A non-empty
	// reasons[i] dead-letters msgs[i] once tx commits.
	apply func(ctx context.Context, tx pgx.Tx, msgs []M, reasons []string) error
}

func (c txConsumer[M]) handle(ctx context.Context, batch []*inbound) error {
	// Work that started finishes even when shutdown begins.
	ctx = context.WithoutCancel(ctx)
	type item struct {
		in  *inbound
		msg M
	}
	items := make([]item, 0, len(batch))
	for _, in := range batch {
		msg, err := decodeMessage(in.Body, c.validate)
		if err != nil {
			in.deadLetter = err.Error()
			continue
		}
		items = append(items, item{in, msg})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if o := strings.Compare(c.lockOrder(a.msg), c.lockOrder(b.msg)); o != 0 {
			return o
		}
		return strings.Compare(a.in.MessageId, b.in.MessageId)
	})
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = it.in.messageID
	}
	return transact.Run(ctx, c.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		// One statement records the whole batch in the inbox, in the
		// batch's lock order; it holds no lock an apply below waits for.
		inserted, err := queries.InboxInsertBatch(ctx, tx, db.InboxInsertBatchParams{Consumer: c.name, MessageIds: ids})
		if err != nil {
			return fmt.Errorf("inbox insert %d messages: %w", len(ids), err)
		}
		fresh := make(map[uuid.UUID]bool, len(inserted))
		for _, id := range inserted {
			fresh[id] = true
		}
		var (
			msgs    []M
			applied []*inbound
		)
		for _, it := range items {
			it.in.deadLetter = "" // a retried transaction decides afresh
			if !fresh[it.in.messageID] {
				continue
			}
			delete(fresh, it.in.messageID) // a copy later in the batch is a duplicate
			msgs = append(msgs, it.msg)
			applied = append(applied, it.in)
		}
		if len(msgs) == 0 {
			return nil
		}
		reasons := make([]string, len(msgs))
		if err := c.apply(ctx, tx, msgs, reasons); err != nil {
			return fmt.Errorf("%s batch of %d: %w", c.name, len(msgs), err)
		}
		for i, in := range applied {
			in.deadLetter = reasons[i]
		}
		return nil
	})
}

// decodeMessage parses a message body and checks its fields; the error
// says why the message is dead-lettered.
func decodeMessage[M any](body []byte, validate func(M) error) (M, error) {
	var msg M
	if err := json.Unmarshal(body, &msg); err != nil {
		return msg, fmt.Errorf("unparsable body: %v", err)
	}
	if err := validate(msg); err != nil {
		return msg, fmt.Errorf("invalid message: %v", err)
	}
	return msg, nil
}

// newTxConsumer wires c into the shared delivery loop.
func newTxConsumer[M any](c txConsumer[M], queue string) *consumer {
	return &consumer{cfg: c.cfg, name: c.name, queue: queue, maxBatch: c.cfg.MaxBatch, handle: c.handle}
}
