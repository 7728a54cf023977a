package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

// webhooks failed shows a failed delivery's row; webhooks replay --id makes
// it pending once (a second replay finds nothing to replay).
func TestWebhooksFailedAndReplay(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	sub, err := queries.WebhookSubscribe(ctx, pool, db.WebhookSubscribeParams{Url: "https://a.example/hook", Secret: "whsec_x", EventTypes: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	job, err := queries.JobCreate(ctx, pool, db.JobCreateParams{Input: []byte(`{}`), StepsTotal: 1})
	if err != nil {
		t.Fatal(err)
	}
	eventID := uuid.New()
	if _, err := queries.EventRecord(ctx, pool, db.EventRecordParams{ID: eventID, JobID: job.ID, Type: "job.done", Payload: []byte(`{}`), Exchange: "events", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO webhook_queue (subscription_id, event_id, state, attempt, last_error, expires_at)
		VALUES ($1, $2, 'failed', 9, 'status 503', now()) RETURNING id`, sub.ID, eventID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := listFailedWebhooks(ctx, &out, pool, 10); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("failed printed %q, want a header and one row", out.String())
	}
	for _, want := range []string{sub.ID.String(), sub.Url, eventID.String(), "job.done", " 9 ", "status 503"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("failed row %q lacks %q", lines[1], want)
		}
	}
	u, err := url.Parse(testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + pool.Config().ConnConfig.Database
	dbURL := u.String()
	for round, want := range []string{"replayed 1 failed", "replayed 0 failed"} {
		var got strings.Builder
		if err := webhooksCommand(ctx, &got, []string{"replay", "--database-url", dbURL, "--id", strings.Fields(lines[1])[0]}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.String(), want) {
			t.Errorf("replay round %d printed %q, want %q", round, got.String(), want)
		}
	}
	var state string
	if err := pool.QueryRow(ctx, `SELECT state FROM webhook_queue WHERE id = $1`, id).Scan(&state); err != nil || state != "pending" {
		t.Errorf("after the replay the delivery is %q (%v), want pending", state, err)
	}
	if err := webhooksCommand(ctx, &out, []string{"replay", "--database-url", dbURL}); err == nil {
		t.Error("replay without --id or --all succeeded")
	}
}
