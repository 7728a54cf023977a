package schema_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/schema"
)

// emptyDatabase returns a pool on a new database without any schema, dropped
// when the test ends. (testdb.New hands out databases already migrated.)
func emptyDatabase(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := t.Context()
	b := make([]byte, 6)
	rand.Read(b)
	name := "lockstep_schema_test_" + hex.EncodeToString(b)

	admin, err := pgx.Connect(ctx, testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		// t.Context is already done when cleanups run.
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, testdb.URL())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return pool
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := emptyDatabase(t)
	ctx := t.Context()

	applied, err := schema.Migrate(ctx, pool)
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	if len(applied) == 0 || !slices.IsSorted(applied) {
		t.Fatalf("first Migrate applied %v, want every migration in order", applied)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO sessions (token, user_name) VALUES ('t', 'ann')"); err != nil {
		t.Fatalf("migrated schema: %v", err)
	}
	for range 2 {
		again, err := schema.Migrate(ctx, pool)
		if err != nil || len(again) != 0 {
			t.Fatalf("Migrate on a migrated database applied %v (%v), want nothing", again, err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessions").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d sessions after migrating again (%v), want the row kept", n, err)
	}
}

// TestMigrateTestDatabase checks that the databases tests get are already at
// the latest version.
func TestMigrateTestDatabase(t *testing.T) {
	t.Parallel()
	applied, err := schema.Migrate(t.Context(), testdb.New(t))
	if err != nil || len(applied) != 0 {
		t.Fatalf("Migrate on a test database applied %v (%v), want nothing", applied, err)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	first := schema.Fingerprint()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(first) {
		t.Fatalf("Fingerprint() = %q, want 12 hex digits", first)
	}
	for range 3 {
		if again := schema.Fingerprint(); again != first {
			t.Fatalf("Fingerprint() = %q, then %q", first, again)
		}
	}
}

// Migration 13 turns the attempts logged before it into delivery rows (a
// pair with a success delivered, one without failed) and goes back down
// and up again.
func TestWebhookQueueMigration(t *testing.T) {
	t.Parallel()
	pool := emptyDatabase(t)
	ctx := t.Context()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO jobs (id, input, steps_total) VALUES ('00000000-0000-0000-0000-000000000001', '{}', 1)`)
	exec(`INSERT INTO events (id, job_id, type, payload) VALUES
		('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-000000000001', 'job.done', '{}'),
		('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-000000000001', 'job.done', '{}')`)
	exec(`INSERT INTO webhook_subscriptions (id, url, secret) VALUES ('00000000-0000-0000-0000-0000000000f1', 'https://a.example/', 'whsec_x')`)
	exec(`INSERT INTO webhook_deliveries (subscription_id, event_id, attempt, succeeded) VALUES
		('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000a', 1, false),
		('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000a', 2, true),
		('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000b', 1, false)`)
	if _, err := provider.UpTo(ctx, 13); err != nil {
		t.Fatal(err)
	}
	states := func() string {
		t.Helper()
		var s string
		if err := pool.QueryRow(ctx, `SELECT string_agg(state || ':' || attempt, ',' ORDER BY event_id) FROM webhook_queue`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := states(); got != "delivered:2,failed:1" {
		t.Fatalf("delivery rows after migrating %q, want delivered:2,failed:1", got)
	}
	// A duplicate success, which only the new model logs, goes on the way down.
	exec(`INSERT INTO webhook_deliveries (subscription_id, event_id, attempt, succeeded) VALUES
		('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000a', 3, true)`)
	if _, err := provider.DownTo(ctx, 12); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := provider.UpTo(ctx, 13); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := states(); got != "delivered:2,failed:1" {
		t.Fatalf("delivery rows after down and up %q, want delivered:2,failed:1", got)
	}
}
