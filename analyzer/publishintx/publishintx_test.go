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
