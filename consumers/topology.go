package consumers

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
)

// DeclareTopology declares the pipeline's durable exchanges and queues on
// ch. Declarations are idempotent, so every role declares everything it
// touches at each (re)connect and no role depends on another having started.
//
//	topo.Exchange   (direct)  -> Tasks, Results, Output, bound by their names
//	topo.Events     (fanout)  -> Webhooks
//	topo.DeadLetter (fanout)  -> DeadQueue
//
// Every work queue dead-letters into topo.DeadLetter.
func DeclareTopology(ch *amqp.Channel, topo message.Topology, quorum bool) error {
	exchanges := []struct{ name, kind string }{
		{topo.Exchange, amqp.ExchangeDirect},
		{topo.Events, amqp.ExchangeFanout},
		{topo.DeadLetter, amqp.ExchangeFanout},
	}
	for _, e := range exchanges {
		if err := ch.ExchangeDeclare(e.name, e.kind,
			true,  // durable
			false, // autoDelete
			false, // internal
			false, // noWait
			nil,
		); err != nil {
			return fmt.Errorf("declare exchange %s: %w", e.name, err)
		}
	}
	workArgs := amqp.Table{"x-dead-letter-exchange": topo.DeadLetter}
	deadArgs := amqp.Table{}
	if quorum {
		workArgs[amqp.QueueTypeArg] = amqp.QueueTypeQuorum
		deadArgs[amqp.QueueTypeArg] = amqp.QueueTypeQuorum
	}
	queues := []struct {
		name, exchange, key string
		args                amqp.Table
	}{
		{topo.Tasks, topo.Exchange, topo.Tasks, workArgs},
		{topo.Results, topo.Exchange, topo.Results, workArgs},
		{topo.Output, topo.Exchange, topo.Output, workArgs},
		{topo.Webhooks, topo.Events, "", workArgs},
		{topo.DeadQueue, topo.DeadLetter, "", deadArgs},
	}
	for _, q := range queues {
		if _, err := ch.QueueDeclare(q.name,
			true,  // durable
			false, // autoDelete
			false, // exclusive
			false, // noWait
			q.args,
		); err != nil {
			return fmt.Errorf("declare queue %s: %w", q.name, err)
		}
		if err := ch.QueueBind(q.name, q.key, q.exchange,
			false, // noWait
			nil,
		); err != nil {
			return fmt.Errorf("bind queue %s to %s: %w", q.name, q.exchange, err)
		}
	}
	return nil
}

// DeleteTopology removes what DeclareTopology created, messages included.
// Tests use it to leave the broker as they found it.
func DeleteTopology(ch *amqp.Channel, topo message.Topology) error {
	for _, q := range []string{topo.Tasks, topo.Results, topo.Output, topo.Webhooks, topo.DeadQueue} {
		if _, err := ch.QueueDelete(q,
			false, // ifUnused
			false, // ifEmpty
			false, // noWait
		); err != nil {
			return fmt.Errorf("delete queue %s: %w", q, err)
		}
	}
	for _, e := range []string{topo.Exchange, topo.Events, topo.DeadLetter} {
		if err := ch.ExchangeDelete(e,
			false, // ifUnused
			false, // noWait
		); err != nil {
			return fmt.Errorf("delete exchange %s: %w", e, err)
		}
	}
	return nil
}
