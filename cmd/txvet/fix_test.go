package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestFix runs txvet -fix over the fix testdata of the checks, in a copy of
// their GOPATH tree: each file must then equal its .golden copy, and a
// second run must report only the findings that have no fix.
func TestFix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds txvet")
	}
	txvet := buildTxvet(t)
	gopath := t.TempDir()
	if err := os.CopyFS(filepath.Join(gopath, "src"), os.DirFS(filepath.Join("..", "..", "analyzer", "internal", "testdata", "src"))); err != nil {
		t.Fatal(err)
	}
	pkg := "lostupdatefix"
	run := func(args ...string) (string, error) {
		cmd := exec.Command(txvet, args...)
		cmd.Dir = filepath.Join(gopath, "src", pkg)
		cmd.Env = append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOPROXY=off", "GOFLAGS=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	if out, err := run("-fix", pkg); err != nil {
		t.Fatalf("txvet -fix: %v\n%s", err, out)
	}
	goldens, err := filepath.Glob(filepath.Join(gopath, "src", pkg, "*.go.golden"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden files in %s (%v)", pkg, err)
	}
	for _, golden := range goldens {
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		file := golden[:len(golden)-len(".golden")]
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s after txvet -fix differs from its golden file", filepath.Base(file))
		}
	}

	out, err := run(pkg)
	if err == nil {
		t.Fatalf("txvet after -fix reports nothing, want the findings without a fix")
	}
	var lines []string
	for _, m := range regexp.MustCompile(`(?m)^\S+/(\w+\.go:\d+):\d+: [^\t]`).FindAllStringSubmatch(out, -1) {
		lines = append(lines, m[1])
	}
	want := []string{
		"atomic.go:38", "atomic.go:50", "atomic.go:60", "atomic.go:90", "atomic.go:99",
		"forupdate.go:74", "forupdate.go:85", "forupdate.go:98", "forupdate.go:108", "forupdate.go:117",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("findings after -fix on lines %v, want %v (those without a fix):\n%s", lines, want, out)
	}
}
