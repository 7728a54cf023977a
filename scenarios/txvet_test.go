package scenarios_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/txvet-naive.golden from txvet's findings")

// naivePackage is the only package txvet may report on: the naive ports.
const naivePackage = "github.com/lockstep-dev/lockstep/scenarios/naive"

// TestTxvetGolden runs txvet over the scenarios. Its findings over the naive
// ports must be exactly those in testdata/txvet-naive.golden (file, line,
// analyzer), and it must report nothing anywhere else: not over the safe
// ports, not over the race harness.
func TestTxvetGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs txvet")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	txvet := filepath.Join(t.TempDir(), "txvet")
	build := exec.Command("go", "build", "-o", txvet, "./cmd/txvet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build txvet: %v\n%s", err, out)
	}
	run := exec.Command(txvet, "-json", "./scenarios/...")
	run.Dir = root
	var stderr bytes.Buffer
	run.Stderr = &stderr
	out, err := run.Output()
	if err != nil {
		t.Fatalf("txvet: %v\n%s", err, stderr.Bytes())
	}
	got, elsewhere := findings(t, root, out)
	for _, f := range elsewhere {
		t.Errorf("txvet reports outside the naive ports: %s", f)
	}
	golden := filepath.Join("testdata", "txvet-naive.golden")
	if *update {
		content := "# txvet's findings over scenarios/naive: file:line analyzer.\n# Regenerate: go test ./scenarios -run TestTxvetGolden -update\n" + strings.Join(got, "\n") + "\n"
		if err := os.WriteFile(golden, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for line := range strings.Lines(string(raw)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("txvet no longer reports %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("txvet newly reports %s (run with -update if intended)", g)
		}
	}
}

// findings decodes txvet -json output into sorted "file:line analyzer"
// lines for the naive package, and descriptions of any finding elsewhere.
func findings(t *testing.T, root string, out []byte) (naive, elsewhere []string) {
	t.Helper()
	// package path -> analyzer -> diagnostics, or an "error" entry.
	var report map[string]map[string]json.RawMessage
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("decode txvet -json output: %v\n%s", err, out)
	}
	for pkg, analyzers := range report {
		for analyzer, raw := range analyzers {
			var diags []struct {
				Posn    string `json:"posn"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(raw, &diags); err != nil {
				t.Fatalf("%s %s: %s", pkg, analyzer, raw)
			}
			for _, d := range diags {
				if pkg != naivePackage {
					elsewhere = append(elsewhere, fmt.Sprintf("%s: %s: %s", d.Posn, analyzer, d.Message))
					continue
				}
				naive = append(naive, fmt.Sprintf("%s %s", fileLine(t, root, d.Posn), analyzer))
			}
		}
	}
	slices.SortFunc(naive, byFileLine)
	return naive, elsewhere
}

// fileLine turns "/abs/file.go:12:3" into "file.go:12" relative to root.
func fileLine(t *testing.T, root, posn string) string {
	t.Helper()
	parts := strings.Split(posn, ":")
	if len(parts) < 3 {
		t.Fatalf("unexpected position %q", posn)
	}
	file := strings.Join(parts[:len(parts)-2], ":")
	if _, err := strconv.Atoi(parts[len(parts)-2]); err != nil {
		t.Fatalf("unexpected position %q", posn)
	}
	rel, err := filepath.Rel(root, file)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel) + ":" + parts[len(parts)-2]
}

// byFileLine orders "file:line analyzer" lines by file, then line number.
func byFileLine(a, b string) int {
	fa, la := splitFileLine(a)
	fb, lb := splitFileLine(b)
	if c := strings.Compare(fa, fb); c != 0 {
		return c
	}
	if la != lb {
		return la - lb
	}
	return strings.Compare(a, b)
}

func splitFileLine(s string) (string, int) {
	pos, _, _ := strings.Cut(s, " ")
	i := strings.LastIndex(pos, ":")
	line, _ := strconv.Atoi(pos[i+1:])
	return pos[:i], line
}
