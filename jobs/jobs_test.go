package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

var topo = message.NewTopology("jobs-test")

func threeSteps() jobs.Spec {
	return jobs.Spec{
		Steps: []jobs.Step{
			{Handler: "uppercase"},
			{Handler: "sleep", Params: json.RawMessage(`{"ms": 1}`)},
			{Handler: "uppercase"},
		},
		Input: json.RawMessage(`{"text": "hi"}`),
	}
}

// outboxRow is an outbox message as the tests inspect it.
type outboxRow struct {
	Exchange, RoutingKey string
	Body                 []byte
}

func outboxRows(t *testing.T, pool *pgxpool.Pool) []outboxRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT exchange, routing_key, body FROM outbox ORDER BY id")
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Exchange, &r.RoutingKey, &r.Body); err != nil {
			t.Fatalf("scan outbox: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return out
}

func count(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestSubmitQueuesFirstTaskThroughOutbox(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()

	job, created, err := jobs.Submit(ctx, pool, topo, threeSteps())
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if !created || job.Status != db.JobStatusRunning || job.StepsTotal != 3 {
		t.Fatalf("Submit = %+v, created %v; want a new running job of 3 steps", job, created)
	}
	report, err := jobs.Status(ctx, pool, job.ID)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	wantStatus := []db.TaskStatus{db.TaskStatusQueued, db.TaskStatusPending, db.TaskStatusPending}
	for i, task := range report.Tasks {
		if task.Status != wantStatus[i] || task.ExecutionOrder != i {
			t.Errorf("task %d: status %s order %d, want %s order %d", i, task.Status, task.ExecutionOrder, wantStatus[i], i)
		}
	}
	if got := string(report.Tasks[0].Input); got != `{"text": "hi"}` {
		t.Errorf("first task input = %s, want the job input", got)
	}
	if string(report.Tasks[1].Params) != `{"ms": 1}` || string(report.Tasks[0].Params) != `{}` {
		t.Errorf("params = %s, %s; want {} and the step's params", report.Tasks[0].Params, report.Tasks[1].Params)
	}
	if len(report.Events) != 1 || report.Events[0].Type != message.EventJobCreated {
		t.Errorf("events = %+v, want one %s", report.Events, message.EventJobCreated)
	}

	rows := outboxRows(t, pool)
	if len(rows) != 2 {
		t.Fatalf("outbox has %d messages, want a task message and an event", len(rows))
	}
	var msg message.Task
	if err := json.Unmarshal(rows[0].Body, &msg); err != nil {
		t.Fatalf("decode task message: %v", err)
	}
	if rows[0].Exchange != topo.Exchange || rows[0].RoutingKey != topo.Tasks ||
		msg != (message.Task{TaskID: report.Tasks[0].ID, JobID: job.ID}) {
		t.Errorf("task message = %s to %s/%s, want the first task to %s/%s", rows[0].Body, rows[0].Exchange, rows[0].RoutingKey, topo.Exchange, topo.Tasks)
	}
	if rows[1].Exchange != topo.Events || rows[1].RoutingKey != message.EventJobCreated {
		t.Errorf("event message to %s/%s, want %s/%s", rows[1].Exchange, rows[1].RoutingKey, topo.Events, message.EventJobCreated)
	}
}

// Concurrent retries of one submission, as a client that times out and
// retries would send them, create one job and queue its first task once.
func TestSubmitIdempotencyKeyUnderConcurrency(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	spec := threeSteps()
	spec.IdempotencyKey = "order-42"

	const clients = 16
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		ids     = make([]uuid.UUID, clients)
		created = make([]bool, clients)
		errs    = make([]error, clients)
	)
	for i := range clients {
		wg.Go(func() {
			<-start
			var job jobs.Job
			job, created[i], errs[i] = jobs.Submit(context.Background(), pool, topo, spec)
			ids[i] = job.ID
		})
	}
	close(start)
	wg.Wait()

	creators := 0
	for i := range clients {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("client %d got job %s, client 0 got %s", i, ids[i], ids[0])
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d clients created the job, want 1", creators)
	}
	if n := count(t, pool, "jobs"); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
	if n := count(t, pool, "tasks"); n != 3 {
		t.Errorf("%d tasks, want 3", n)
	}
	if n := count(t, pool, "events"); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	taskMessages := 0
	for _, r := range outboxRows(t, pool) {
		if r.RoutingKey == topo.Tasks {
			taskMessages++
		}
	}
	if taskMessages != 1 {
		t.Errorf("%d task messages in the outbox, want 1", taskMessages)
	}
}

func TestSubmitRejectsInvalidSpecsWritingNothing(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	step := jobs.Step{Handler: "uppercase"}
	tests := []struct {
		name string
		spec jobs.Spec
		want string
	}{
		{"no steps", jobs.Spec{}, "at least one step"},
		{"too many steps", jobs.Spec{Steps: make([]jobs.Step, jobs.MaxSteps+1)}, "at most"},
		{"missing handler", jobs.Spec{Steps: []jobs.Step{{}}}, "step 1: invalid job: handler is missing"},
		{"long handler", jobs.Spec{Steps: []jobs.Step{{Handler: strings.Repeat("h", jobs.MaxHandlerLen+1)}}}, "handler name is longer"},
		{"bad params", jobs.Spec{Steps: []jobs.Step{step, {Handler: "x", Params: json.RawMessage(`{`)}}}, "step 2: invalid job: params are not valid JSON"},
		{"big params", jobs.Spec{Steps: []jobs.Step{{Handler: "x", Params: bigJSON(jobs.MaxParamsBytes)}}}, "params are"},
		{"bad input", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage(`nope`)}, "input is not valid JSON"},
		{"big input", jobs.Spec{Steps: []jobs.Step{step}, Input: bigJSON(jobs.MaxInputBytes)}, "input is"},
		{"negative timeout", jobs.Spec{Steps: []jobs.Step{{Handler: "x", TimeoutMS: -1}}}, "timeout_ms must be 0"},
		{"long timeout", jobs.Spec{Steps: []jobs.Step{{Handler: "x", TimeoutMS: jobs.MaxTimeoutMS + 1}}}, "timeout_ms must be 0"},
		{"NUL in input", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage(`{"a": "x\u0000y"}`)}, "input: \\u0000 (NUL) cannot be stored"},
		{"invalid UTF-8 in input", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage("{\"a\": \"\xff\"}")}, "input: invalid UTF-8"},
		{"lone surrogate in params", jobs.Spec{Steps: []jobs.Step{{Handler: "x", Params: json.RawMessage(`{"a": "\ud800x"}`)}}}, "step 1: invalid job: params: lone UTF-16 surrogate \\ud800"},
		{"lone low surrogate", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage(`"\udc00"`)}, "lone UTF-16 surrogate"},
		{"number beyond numeric", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage(`{"n": 1e131072}`)}, "input: number 1e131072 is beyond"},
		{"too many decimals", jobs.Spec{Steps: []jobs.Step{step}, Input: json.RawMessage(`[1.5e-16383]`)}, "is beyond what PostgreSQL stores"},
		{"long key", jobs.Spec{Steps: []jobs.Step{step}, IdempotencyKey: strings.Repeat("k", jobs.MaxIdempotencyKey+1)}, "idempotency key"},
	}
	for _, tt := range tests {
		_, _, err := jobs.Submit(context.Background(), pool, topo, tt.spec)
		if !errors.Is(err, jobs.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Submit error = %v, want ErrInvalid mentioning %q", tt.name, err, tt.want)
		}
	}
	if n := count(t, pool, "jobs") + count(t, pool, "outbox"); n != 0 {
		t.Errorf("invalid submissions wrote %d rows", n)
	}
}

func TestValidateChecksHandlerNames(t *testing.T) {
	t.Parallel()
	known := func(name string, _ json.RawMessage) error {
		if name != "uppercase" {
			return fmt.Errorf("unknown handler %q", name)
		}
		return nil
	}
	spec := jobs.Spec{Steps: []jobs.Step{{Handler: "uppercase"}, {Handler: "upper-case"}}}
	err := spec.Validate(known)
	if !errors.Is(err, jobs.ErrInvalid) || !strings.Contains(err.Error(), `step 2: invalid job: unknown handler "upper-case"`) {
		t.Errorf("Validate = %v, want the unknown handler of step 2", err)
	}
	spec.Steps = spec.Steps[:1]
	if err := spec.Validate(known); err != nil {
		t.Errorf("Validate of known handlers = %v", err)
	}
}

func bigJSON(size int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf("%q", strings.Repeat("x", size)))
}

func TestSubmitRejectsAKeyReusedForAnotherJob(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	spec := threeSteps()
	spec.IdempotencyKey = "order-43"
	first, _, err := jobs.Submit(ctx, pool, topo, spec)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	// The same job with its JSON spaced differently is the same submission.
	spec.Input = json.RawMessage(`{ "text":"hi" }`)
	if again, created, err := jobs.Submit(ctx, pool, topo, spec); err != nil || created || again.ID != first.ID {
		t.Errorf("resubmit = %s created %v, %v; want job %s", again.ID, created, err, first.ID)
	}
	changed := []func(*jobs.Spec){
		func(s *jobs.Spec) { s.Input = json.RawMessage(`{"text": "bye"}`) },
		func(s *jobs.Spec) { s.Steps = s.Steps[:2] },
		func(s *jobs.Spec) { s.Steps[1].Params = json.RawMessage(`{"ms": 2}`) },
		func(s *jobs.Spec) { s.Steps[2].TimeoutMS = 5000 },
	}
	for i, change := range changed {
		other := threeSteps()
		other.IdempotencyKey = spec.IdempotencyKey
		change(&other)
		if _, _, err := jobs.Submit(ctx, pool, topo, other); !errors.Is(err, jobs.ErrKeyReused) {
			t.Errorf("change %d: Submit = %v, want ErrKeyReused", i, err)
		}
	}
	if n := count(t, pool, "jobs"); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
}

// What jsonb can store passes: a surrogate pair, an escaped backslash
// before a u, other escapes and non-ASCII text.
func TestValidateAcceptsStorableText(t *testing.T) {
	t.Parallel()
	for _, input := range []string{
		`{"emoji": "\ud83d\ude00"}`,
		`{"path": "C:\\u0000"}`,
		`{"s": "tab\tand \"quotes\" and \u00e9"}`,
		`{"s": "déjà vu"}`,
		`[1e131071, 1e-16383, 0e999999, -12.5]`,
	} {
		spec := jobs.Spec{Steps: []jobs.Step{{Handler: "x", Params: json.RawMessage(input)}}, Input: json.RawMessage(input)}
		if err := spec.Validate(nil); err != nil {
			t.Errorf("%s: %v", input, err)
		}
	}
}
