package getorcreate_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/getorcreate"
	"github.com/lockstep-dev/lockstep/analyzer/internal/testmod"
)

func TestGetOrCreate(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, getorcreate.Analyzer, "getorcreate", "getorcreate/sqlite", "getorcreate/mysql", "getorcreate/sqliteopen", "getorcreate/pq")
}

// TestRealModule runs the analyzer on a module built against the real
// pgx/v5 from the module cache.
func TestRealModule(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata", "realmod"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	analysistest.Run(t, dir, getorcreate.Analyzer, "example.com/realmod/session")
}

// TestGORM runs the analyzer on a module built against the real GORM.
func TestGORM(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "gormmod"), getorcreate.Analyzer, "example.com/gormmod/getorcreate", "example.com/gormmod/naming/prefixed/getorcreate", "example.com/gormmod/naming/custom/getorcreate")
}

// TestLibraries runs the analyzer on modules built against the real
// sqlx and pgx v4, so a change in their API breaks this test.
func TestLibraries(t *testing.T) {
	for _, mod := range []string{"sqlxmod", "pgx4mod"} {
		t.Run(mod, func(t *testing.T) {
			analysistest.Run(t, testmod.Dir(t, mod), getorcreate.Analyzer, "example.com/"+mod+"/getorcreate")
		})
	}
}

// TestFlowModule runs the analyzer on the flow shapes of a module built
// against the real pgx/v5 and sqlc's generated code: transactions carried
// in a context or held in a struct, interfaces, helpers.
func TestFlowModule(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "flowmod"), getorcreate.Analyzer, "example.com/flowmod/getorcreate/...")
}
