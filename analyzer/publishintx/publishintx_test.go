package publishintx_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/internal/testmod"
	"github.com/lockstep-dev/lockstep/analyzer/publishintx"
)

func TestPublishInTx(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if err := publishintx.Analyzer.Flags.Set("funcs", "(*publishintx/notify.Bus).Emit"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, publishintx.Analyzer, "publishintx/notify", "publishintx/cases")
}

// TestGORM runs the analyzer on a module built against the real GORM.
func TestGORM(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "gormmod"), publishintx.Analyzer, "example.com/gormmod/publishintx")
}

// TestLibraries runs the analyzer on modules built against the real
// pgx v4 and the brokers' clients (nats.go, kafka-go, Watermill), so a
// change in their API breaks this test.
func TestLibraries(t *testing.T) {
	for _, mod := range []string{"pgx4mod", "natsmod", "kafkamod", "watermillmod"} {
		t.Run(mod, func(t *testing.T) {
			analysistest.Run(t, testmod.Dir(t, mod), publishintx.Analyzer, "example.com/"+mod+"/publishintx")
		})
	}
}

// TestFlowModule runs the analyzer on the flow shapes of a module built
// against the real pgx/v5, amqp091-go and errgroup.
func TestFlowModule(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "flowmod"), publishintx.Analyzer, "example.com/flowmod/publishintx/...")
}
