// Package testmod prepares the testdata modules that are compiled against
// real libraries (analyzer/internal/testdata/gormmod) for analysistest.
package testmod

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of the testdata module name, with its
// requirements in the module cache: they are downloaded once through the
// module proxy if missing, then the test runs with the proxy off and the
// module's go.sum read-only, so the analyzers see exactly the versions it
// names.
func Dir(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "internal", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("download the requirements of %s: %v\n%s", name, err, out)
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	return dir
}
