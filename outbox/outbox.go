// Package outbox writes messages into the transactional outbox: a message is
// stored in the same transaction as the state it announces and leaves for
// RabbitMQ only after that transaction commits (the relay in consumers/
// publishes it). Nothing in the pipeline publishes inline.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
)

var queries = db.New()

// Put stores body, encoded as JSON, for publication to exchange with
// routingKey once tx commits; a trigger on the outbox wakes the relays at
// commit. It returns the message id consumers deduplicate by.
func Put(ctx context.Context, tx db.DBTX, exchange, routingKey string, body any) (uuid.UUID, error) {
	encoded, err := json.Marshal(body)
	if err != nil {
		return uuid.Nil, fmt.Errorf("encode %s message: %w", routingKey, err)
	}
	row, err := queries.OutboxInsert(ctx, tx, db.OutboxInsertParams{
		Exchange:   exchange,
		RoutingKey: routingKey,
		Body:       encoded,
		Headers:    []byte("{}"),
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("store %s message in outbox: %w", routingKey, err)
	}
	return row.MessageID, nil
}

// RecordEvent stores a job event and its announcement on the events
// exchange in tx, in one statement (S2: the event row exists before anyone
// hears of it).
func RecordEvent(ctx context.Context, tx db.DBTX, topo message.Topology, jobID uuid.UUID, eventType string, payload any) (db.Event, error) {
	id := uuid.New()
	encoded, body, err := EncodeEvent(id, Event{JobID: jobID, Type: eventType, Payload: payload})
	if err != nil {
		return db.Event{}, err
	}
	event, err := queries.EventRecord(ctx, tx, db.EventRecordParams{
		ID:       id,
		JobID:    jobID,
		Type:     eventType,
		Payload:  encoded,
		Exchange: topo.Events,
		Body:     body,
	})
	if err != nil {
		return db.Event{}, fmt.Errorf("store %s event: %w", eventType, err)
	}
	return event, nil
}

// Event is a job event for RecordEvents.
type Event struct {
	JobID   uuid.UUID
	Type    string
	Payload any
}

// RecordEvents stores events and their announcements in tx in one
// statement, whatever their number, in the order given.
func RecordEvents(ctx context.Context, tx db.DBTX, topo message.Topology, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	arg := db.EventRecordBatchParams{
		Ids:      make([]uuid.UUID, len(events)),
		JobIds:   make([]uuid.UUID, len(events)),
		Types:    make([]string, len(events)),
		Payloads: make([][]byte, len(events)),
		Bodies:   make([][]byte, len(events)),
		Exchange: topo.Events,
	}
	for i, e := range events {
		id := uuid.New()
		payload, body, err := EncodeEvent(id, e)
		if err != nil {
			return err
		}
		arg.Ids[i], arg.JobIds[i], arg.Types[i], arg.Payloads[i], arg.Bodies[i] = id, e.JobID, e.Type, payload, body
	}
	if err := queries.EventRecordBatch(ctx, tx, arg); err != nil {
		return fmt.Errorf("store %d events: %w", len(events), err)
	}
	return nil
}

// EncodeEvent encodes an event's payload and the announcement of it, under
// id, for callers that write both in a statement of their own.
func EncodeEvent(id uuid.UUID, e Event) (payload, announcement []byte, err error) {
	payload, err = json.Marshal(e.Payload)
	if err != nil {
		return nil, nil, fmt.Errorf("encode %s event: %w", e.Type, err)
	}
	announcement, err = json.Marshal(message.Event{EventID: id, JobID: e.JobID, Type: e.Type})
	if err != nil {
		return nil, nil, fmt.Errorf("encode %s announcement: %w", e.Type, err)
	}
	return payload, announcement, nil
}

// Message is one message of a PutBatch: its routing key, its body (encoded
// as JSON) and how long after commit it may be published.
type Message struct {
	RoutingKey string
	Body       any
	Delay      time.Duration
}

// PutBatch stores msgs for publication to exchange in one statement,
// whatever their number, once tx commits.
func PutBatch(ctx context.Context, tx db.DBTX, exchange string, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	arg := db.OutboxInsertBatchParams{
		Exchange:      exchange,
		RoutingKeys:   make([]string, len(msgs)),
		Bodies:        make([][]byte, len(msgs)),
		DelaysSeconds: make([]float64, len(msgs)),
	}
	for i, m := range msgs {
		encoded, err := json.Marshal(m.Body)
		if err != nil {
			return fmt.Errorf("encode %s message: %w", m.RoutingKey, err)
		}
		arg.RoutingKeys[i], arg.Bodies[i], arg.DelaysSeconds[i] = m.RoutingKey, encoded, m.Delay.Seconds()
	}
	if err := queries.OutboxInsertBatch(ctx, tx, arg); err != nil {
		return fmt.Errorf("store %d messages in outbox: %w", len(msgs), err)
	}
	return nil
}
