package scenarios_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/scenarios"
)

// TestRace runs a short race of every scenario: each naive port must show
// anomalies and each safe port none.
func TestRace(t *testing.T) {
	if testing.Short() {
		t.Skip("races the real services")
	}
	env := scenarios.Env{
		Pool:    testdb.New(t),
		AMQPURL: scenarios.AMQPURL(),
		// Unique queue names: other test runs may share the broker.
		Prefix: "lockstep_test_race_" + rand.Text(),
	}
	// go test runs other packages beside this one, so a consumer may take
	// longer to see a message than on a quiet machine: a wider read-write
	// window keeps every naive race visible in 80 operations.
	opts := scenarios.Options{Workers: 8, Ops: 80, Think: 5 * scenarios.DefaultThink}
	results, err := scenarios.Run(context.Background(), env, opts, scenarios.All())
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := scenarios.WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	for _, r := range results {
		switch {
		case r.Variant == scenarios.Safe && r.Anomalies != 0:
			t.Errorf("%s safe: %d %s, want none", r.Scenario, r.Anomalies, r.Anomaly)
		case r.Variant == scenarios.Naive && r.Anomalies == 0:
			t.Errorf("%s naive: no anomaly in %d operations; the port no longer shows its race", r.Scenario, r.Ops)
		}
	}
}
