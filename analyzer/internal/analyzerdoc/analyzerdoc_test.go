package analyzerdoc_test

import (
	"testing"

	"github.com/lockstep-dev/lockstep/analyzer/internal/analyzerdoc"
)

const docGo = `// Package halting defines an analyzer.
//
// # Analyzer halting
//
// halting: report loops that never end
//
// The halting analyzer reports loops
// without a way out.
//
// # Other heading
//
// Not part of the doc.
package halting
`

func TestExtract(t *testing.T) {
	want := "report loops that never end\n\nThe halting analyzer reports loops\nwithout a way out."
	if got := analyzerdoc.Extract(docGo, "halting"); got != want {
		t.Errorf("Extract = %q, want %q", got, want)
	}
}

func TestExtractMissing(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Extract of a missing section did not panic")
		}
	}()
	analyzerdoc.Extract(docGo, "looping")
}
