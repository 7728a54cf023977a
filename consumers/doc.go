// Package consumers runs the RabbitMQ side of the pipeline: the outbox relay
// that publishes committed messages, the task executor, the result handler
// and webhook delivery (DESIGN.md "Message flow", steps 2-5).
//
// Every role is a type with Run(ctx) and an idempotent Close, built from a
// [Config]. The consumers share one delivery loop (worker.go): deliveries are
// taken in batches of what is already prefetched, applied in one PostgreSQL
// transaction that also records each message id in the inbox, and settled
// after commit with one multiple-ack. A crash anywhere before the ack means
// redelivery; the inbox and the compare-and-set queries make the retry
// change nothing. Messages that can never succeed go to the dead-letter
// queue with the reason in [message.ReasonHeader].
package consumers
