package torture

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/internal/testdb"
)

// A short run over the real services: the pipeline's processes take
// faults of several kinds while jobs run, every job ends, every malformed
// message is dead-lettered, no invariant breaks, and nothing of the run is
// left on the servers.
func TestShortRun(t *testing.T) {
	t.Parallel()
	binary := filepath.Join(t.TempDir(), "lockstep")
	build := exec.Command("go", "build", "-o", binary, "github.com/lockstep-dev/lockstep/cmd/lockstep")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build lockstep: %v\n%s", err, out)
	}
	amqpURL := os.Getenv("AMQP_URL")
	if amqpURL == "" {
		amqpURL = "amqp://guest:guest@127.0.0.1:5672/"
	}
	var out strings.Builder
	res, err := Run(context.Background(), Options{
		Binary: binary, DatabaseURL: testdb.URL(), AMQPURL: amqpURL, Duration: 20 * time.Second, Seed: 7, Out: &out,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	var table strings.Builder
	res.PrintTable(&table)
	t.Logf("\n%s%s", out.String(), table.String())
	if len(res.Anomalies) > 0 {
		t.Errorf("%d anomalies (logs in %s)", len(res.Anomalies), res.LogDir)
	}
	// Every default kind comes once before any comes twice.
	for _, kind := range []string{FaultKill, FaultTerm, FaultBrokerClose, FaultTerminate, FaultTerminateAll, FaultPoolExhaust, FaultMalformed} {
		if res.Faults[kind] == 0 {
			t.Errorf("no %s fault injected: faults = %v, errors %q", kind, res.Faults, res.FaultErrors)
		}
	}
	if res.Tally.jobs == 0 || res.Probes == 0 || res.Tally.probesMatched != res.Probes {
		t.Errorf("jobs %d, malformed sent %d, dead-lettered %d", res.Tally.jobs, res.Probes, res.Tally.probesMatched)
	}
	assertGone(t, res.Scratch)
}

// assertGone fails t when the scratch database, role or vhost remains.
func assertGone(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.URL())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $1)`,
		name).Scan(&left); err != nil {
		t.Fatalf("look for the scratch database: %v", err)
	}
	if left > 0 {
		t.Errorf("the scratch database or role %s is left behind", name)
	}
	vhosts, err := rabbitmqctl(ctx, "list_vhosts", "name")
	if err != nil {
		t.Fatalf("list vhosts: %v", err)
	}
	if strings.Contains(vhosts, name) {
		t.Errorf("the scratch vhost %s is left behind", name)
	}
}
