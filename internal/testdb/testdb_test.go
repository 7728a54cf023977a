package testdb_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func currentDatabase(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var name string
	if err := pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestNewIsolatesDatabases(t *testing.T) {
	t.Parallel()
	a, b := testdb.New(t), testdb.New(t)
	ctx := t.Context()

	if currentDatabase(t, a) == currentDatabase(t, b) {
		t.Fatalf("two calls share database %s", currentDatabase(t, a))
	}
	if _, err := a.Exec(ctx, "INSERT INTO sessions (token, user_name) VALUES ('t', 'ann')"); err != nil {
		t.Fatalf("insert into a migrated database: %v", err)
	}
	for _, tc := range []struct {
		name string
		pool *pgxpool.Pool
		want int
	}{{"a", a, 1}, {"b", b, 0}} {
		var n int
		if err := tc.pool.QueryRow(ctx, "SELECT count(*) FROM sessions").Scan(&n); err != nil || n != tc.want {
			t.Fatalf("database %s holds %d sessions (%v), want %d", tc.name, n, err, tc.want)
		}
	}
}

func TestNewDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("user", func(t *testing.T) {
		name = currentDatabase(t, testdb.New(t))
	})

	conn, err := pgx.Connect(t.Context(), testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var exists bool
	if err := conn.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

// TestURL changes the environment, so it cannot run in parallel.
func TestURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	if got := testdb.URL(); got != testdb.DefaultURL {
		t.Fatalf("URL() without DATABASE_URL = %q, want %q", got, testdb.DefaultURL)
	}
	const custom = "postgres://tester@db.example:5433/postgres"
	t.Setenv("DATABASE_URL", custom)
	if got := testdb.URL(); got != custom {
		t.Fatalf("URL() = %q, want DATABASE_URL %q", got, custom)
	}
}
