package apis_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/internal/apis"
)

// TestUses checks which packages are found to touch a database or a broker,
// directly or through their imports; the libraries' own fakes touch nothing.
func TestUses(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, apis.Analyzer, "apistest/...")
}
