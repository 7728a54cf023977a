package getorcreate_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/getorcreate"
)

func TestGetOrCreate(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, getorcreate.Analyzer, "getorcreate")
}
