package lostupdate_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/internal/testmod"
	"github.com/lockstep-dev/lockstep/analyzer/lostupdate"
)

func TestLostUpdate(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, lostupdate.Analyzer, "lostupdate")
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
	analysistest.Run(t, dir, lostupdate.Analyzer, "example.com/realmod/bump")
}

// TestGORM runs the analyzer on a module built against the real GORM.
func TestGORM(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "gormmod"), lostupdate.Analyzer, "example.com/gormmod/lostupdate", "example.com/gormmod/naming/prefixed/lostupdate", "example.com/gormmod/naming/custom/lostupdate")
}

// TestLibraries runs the analyzer on modules built against the real
// sqlx and pgx v4, so a change in their API breaks this test.
func TestLibraries(t *testing.T) {
	for mod, pkgs := range map[string][]string{
		"sqlxmod": {"example.com/sqlxmod/lostupdate", "example.com/sqlxmod/named"},
		"pgx4mod": {"example.com/pgx4mod/lostupdate"},
	} {
		t.Run(mod, func(t *testing.T) {
			analysistest.Run(t, testmod.Dir(t, mod), lostupdate.Analyzer, pkgs...)
		})
	}
}

// TestFlowModule runs the analyzer on the flow shapes of a module built
// against the real pgx/v5 and sqlc's generated code: transactions carried
// in a context or held in a struct, interfaces, helpers.
func TestFlowModule(t *testing.T) {
	analysistest.Run(t, testmod.Dir(t, "flowmod"), lostupdate.Analyzer, "example.com/flowmod/lostupdate/...")
}
