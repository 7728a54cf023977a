package lostupdate_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lockstep-dev/lockstep/analyzer/lostupdate"
)

// TestSuggestedFixes applies the fixes of lostupdatefix's findings and
// compares the files with their .golden copies.
func TestSuggestedFixes(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.RunWithSuggestedFixes(t, dir, lostupdate.Analyzer, "lostupdatefix")
}
