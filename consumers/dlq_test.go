package consumers

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
)

// A message a consumer dead-lettered is listed with its queue, reason and
// time; replayed, a good one is applied exactly once, even when it is
// replayed twice; purge empties the queue.
func TestDeadLettersListReplayPurge(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	start(t, p.results())
	// A malformed result, dead-lettered by the result handler.
	bad := uuid.NewString()
	p.b.publishConcurrently(p.cfg.Topology.Results, amqp.Publishing{MessageId: bad, Body: []byte(`{`)})
	p.waitQueueLen(p.cfg.Topology.DeadQueue, 1)

	dl, err := OpenDeadLetters(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	ctx := context.Background()
	letters, err := dl.List(ctx, 10)
	if err != nil || len(letters) != 1 {
		t.Fatalf("List = %v, %v; want the malformed result", letters, err)
	}
	if l := letters[0]; l.MessageID != bad || l.Queue != p.cfg.Topology.Results || l.Reason == "" || l.DeadAt.IsZero() {
		t.Errorf("dead letter %+v, want its id, queue, reason and time", l)
	}
	if n := p.b.queueLen(p.cfg.Topology.DeadQueue); n != 1 {
		t.Fatalf("listing removed dead letters: %d left", n)
	}
	if again, err := dl.List(ctx, 10); err != nil || len(again) != 1 || again[0].MessageID != bad {
		t.Fatalf("List right after List = %v, %v; want the malformed result again", again, err)
	}

	// A good task message that was dead-lettered (say, during an outage of
	// an older version), twice under one id.
	jobID := p.submit(`"x"`, appendStep("a"))
	task := p.tasks(jobID)[0]
	body, _ := json.Marshal(message.Task{TaskID: task.ID, JobID: jobID})
	good := uuid.NewString()
	for range 2 {
		publishDead(t, p, amqp.Publishing{MessageId: good, Body: body, Headers: amqp.Table{
			QueueHeader: p.cfg.Topology.Tasks, message.ReasonHeader: "processing failed twice: ...",
		}})
	}
	// The submitted task message is consumed only once the executor runs:
	// drain it so only the replays can run the task.
	p.waitRelayed()
	p.b.drain(p.cfg.Topology.Tasks)
	p.waitQueueLen(p.cfg.Topology.DeadQueue, 3)
	start(t, p.executor(3))
	n, err := dl.Replay(ctx, []string{good})
	if err != nil || n != 2 {
		t.Fatalf("Replay = %d, %v; want both copies", n, err)
	}
	job := p.waitJob(jobID, db.JobStatusDone)
	if task := p.tasks(jobID)[0]; task.Attempts != 1 || job.StepsDone != 1 {
		t.Errorf("task after %d attempts, job %d steps; want the replay applied once", task.Attempts, job.StepsDone)
	}
	if n := p.b.queueLen(p.cfg.Topology.DeadQueue); n != 1 {
		t.Errorf("%d dead letters left, want the malformed one", n)
	}
	purged, err := dl.Purge(ctx)
	if err != nil || purged != 1 || p.b.queueLen(p.cfg.Topology.DeadQueue) != 0 {
		t.Errorf("Purge = %d, %v; want 1 and an empty queue", purged, err)
	}
}

// publishDead puts msg on the dead-letter exchange, as a consumer would.
func publishDead(t *testing.T, p *pipeline, msg amqp.Publishing) {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.PublishWithContext(context.Background(), p.cfg.Topology.DeadLetter, "",
		false, // mandatory
		false, // immediate
		msg); err != nil {
		t.Fatal(err)
	}
}
