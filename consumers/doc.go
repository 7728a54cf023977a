// Package consumers runs the RabbitMQ side of the pipeline: the outbox relay
// that publishes committed messages, the task executor, the result handler
// and webhook delivery (docs/architecture.md, "Message flow", steps 2-5).
//
// Every role is a type with Run(ctx) and an idempotent Close, built from a
// [Config]. The consumers share one delivery loop (worker.go): deliveries are
// taken in batches of what is already prefetched, applied, and settled with
// one multiple-ack. The result handler applies a batch in one PostgreSQL
// transaction that also records each message id in the inbox; the executor
// claims a batch's tasks in one statement and runs their handlers outside
// any transaction, in handler slots (executor.go). A crash anywhere before
// the ack means redelivery; the inbox, the compare-and-set queries and the
// attempt fences make the retry change nothing. Transient failures are
// retried; only messages that can never succeed go to the dead-letter queue,
// with the reason in [message.ReasonHeader].
package consumers
