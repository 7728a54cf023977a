package golangci_test

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example files the README points at; the test builds and lints with them.
var (
	exampleCustom = filepath.Join("..", "..", "docs", "golangci", ".custom-gcl.yml")
	exampleConfig = filepath.Join("..", "..", "docs", "golangci", ".golangci.yml")
)

const gclModule = "github.com/golangci/golangci-lint/v2"

// TestCustomGolangciLint builds golangci-lint with the plugin the way
// docs/golangci/.custom-gcl.yml says, from this checkout, and lints the shop
// module with docs/golangci/.golangci.yml.
//
// `golangci-lint custom` clones golangci-lint's repository from GitHub; the
// test serves the clone from a git repository made of the module proxy's
// copy of the same version instead, so the build needs git and the module
// proxy only. The built binary is kept under the user cache directory, keyed
// by golangci-lint's version and a hash of the plugin's sources, go.mod and
// go.sum, so only the first run after a change pays for the build.
func TestCustomGolangciLint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds golangci-lint")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	custom := readFile(t, exampleCustom)
	version := regexp.MustCompile(`(?m)^version: (v\S+)$`).FindStringSubmatch(custom)
	if version == nil {
		t.Fatalf("%s names no golangci-lint version", exampleCustom)
	}
	bin := customBinary(t, root, version[1], custom)

	shop, err := filepath.Abs(filepath.Join("..", "internal", "testdata", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOLANGCI_LINT_CACHE="+t.TempDir())
	if out, err := command(shop, env, "go", "mod", "download").CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	lint := func(t *testing.T, config string) ([]issue, string, error) {
		path := filepath.Join(t.TempDir(), ".golangci.yml")
		if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		// Other test runs on the machine may lint at the same time; each has
		// its own cache, so golangci-lint's lock is not needed.
		cmd := command(shop, env, bin, "run", "--allow-parallel-runners", "-c", path,
			"--output.json.path=stdout", "--show-stats=false", "./...")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		var report struct{ Issues []issue }
		if runErr == nil || stdout.Len() > 0 {
			if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
				t.Fatalf("golangci-lint output is not its JSON report: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
		}
		return report.Issues, stderr.String(), runErr
	}
	config := readFile(t, exampleConfig)

	t.Run("findings", func(t *testing.T) {
		issues, stderr, err := lint(t, config)
		if err == nil {
			t.Fatalf("golangci-lint succeeded, want findings\n%s", stderr)
		}
		want := []string{
			"orders/orders.go:21 lostupdate: stock read by QueryRow at line 18 is written back by Exec",
			"orders/orders.go:42 getorcreate: QueryRow inserts into customers after QueryRow at line 40 found no row",
			"orders/orders.go:57 publishintx: message published by PublishWithContext at line 57 while transaction begun by Begin at line 49 is open",
			// begin-funcs names InTx: the transaction is its callback's.
			"orders/orders.go:69 publishintx: message published by PublishWithContext at line 69 while transaction of the InTx callback at line 65 is open",
			// publish-funcs names Emit.
			"orders/orders.go:83 publishintx: message published by Emit at line 83 while transaction begun by Begin at line 75 is open",
			"orders/orders.go:100 lostupdate: visits read by QueryRow at line 97 is written back by Exec",
		}
		// Restock's finding (line 32) is silenced by its directive.
		checkIssues(t, issues, want, stderr)
	})

	t.Run("unknown setting", func(t *testing.T) {
		bad := strings.Replace(config, "begin-funcs:", "beginfuncs:", 1)
		_, stderr, err := lint(t, bad)
		if err == nil || !strings.Contains(stderr, `unknown field "beginfuncs"`) {
			t.Fatalf("golangci-lint with an unknown setting: err %v, want it refused\n%s", err, stderr)
		}
	})
}

// issue is a finding of golangci-lint's JSON report.
type issue struct {
	FromLinter string
	Text       string
	Pos        struct {
		Filename string
		Line     int
	}
}

// String is the issue's path in the shop module, line and text.
func (is issue) String() string {
	_, path, _ := strings.Cut(filepath.ToSlash(is.Pos.Filename), "testdata/shop/")
	return fmt.Sprintf("%s:%d %s", path, is.Pos.Line, is.Text)
}

// related reports whether the issue is the related information of another:
// golangci-lint reports each as an issue of its own.
func (is issue) related() bool { return strings.Contains(is.Text, "(related information): ") }

// findings drops the related information.
func findings(issues []issue) []issue {
	return slices.DeleteFunc(slices.Clone(issues), issue.related)
}

// checkIssues requires one finding from txvet per wanted prefix and no
// other, and related information beside them. Failures show golangci-lint's
// stderr.
func checkIssues(t *testing.T, issues []issue, want []string, stderr string) {
	t.Helper()
	var got []string
	for _, is := range issues {
		if is.FromLinter != "txvet" {
			t.Errorf("issue from linter %q: %s", is.FromLinter, is)
		}
	}
	for _, is := range findings(issues) {
		got = append(got, is.String())
	}
	if len(got) == len(issues) {
		t.Errorf("no related information among the issues\n%s", stderr)
	}
	slices.SortFunc(got, func(a, b string) int { return cmp.Compare(lineOf(a), lineOf(b)) })
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%s\ngolangci-lint's stderr:\n%s", len(got), len(want), strings.Join(got, "\n"), stderr)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}

// lineOf is the line number of an issue's String.
func lineOf(s string) int {
	_, rest, _ := strings.Cut(s, ":")
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ' ')])
	return n
}

// customBinary returns the golangci-lint built with the plugin from root,
// building it when the cache lacks it.
func customBinary(t *testing.T, root, version, customYML string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir() // no HOME: still shared between runs
	}
	cache = filepath.Join(cache, "lockstep", "golangci")
	dir := filepath.Join(cache, version+"-"+pluginHash(t, root))
	bin := filepath.Join(dir, "custom-gcl")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	start := time.Now()
	env := append(os.Environ(), "GOFLAGS=", "GOWORK=off")

	// golangci-lint itself, from the module proxy, to run `custom`.
	gclBin := filepath.Join(cache, "golangci-lint-"+version)
	gcl := filepath.Join(gclBin, "golangci-lint")
	if _, err := os.Stat(gcl); err != nil {
		out, err := command(root, append(env, "GOBIN="+gclBin), "go", "install", gclModule+"/cmd/golangci-lint@"+version).CombinedOutput()
		if err != nil {
			t.Fatalf("go install golangci-lint: %v\n%s", err, out)
		}
	}

	// The repository `custom` clones, made of the module proxy's copy.
	work := t.TempDir()
	repo := gitRepoOfModule(t, work, env, version)

	// The example configuration, building from this checkout into a
	// temporary destination.
	dest := filepath.Join(work, "bin")
	local := strings.Replace(customYML, "    version: latest", "    path: "+root, 1)
	local = strings.Replace(local, "destination: ./bin", "destination: "+dest, 1)
	if local == customYML || !strings.Contains(local, dest) {
		t.Fatalf("%s lacks the plugin's version line or its destination", exampleCustom)
	}
	if err := os.WriteFile(filepath.Join(work, ".custom-gcl.yml"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	cloneEnv := append(env,
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=url.file://"+repo+".insteadOf",
		"GIT_CONFIG_VALUE_0=https://github.com/golangci/golangci-lint.git",
	)
	if out, err := command(work, cloneEnv, gcl, "custom", "-v").CombinedOutput(); err != nil {
		t.Fatalf("golangci-lint custom: %v\n%s", err, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Rename last, so an interrupted build leaves no binary behind.
	if err := os.Rename(filepath.Join(dest, "custom-gcl"), bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Second))
	pruneBuilds(t, cache, version, 3)
	return bin
}

// pruneBuilds removes all but the keep newest custom builds of version
// (each about 100 MB), so a build per change of the plugin does not fill
// the disk. Older ones belong to sources no longer checked out, or to
// other checkouts, which build again if they need to.
func pruneBuilds(t *testing.T, cache, version string, keep int) {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(cache, version+"-*"))
	if err != nil {
		t.Fatal(err)
	}
	modified := map[string]time.Time{}
	for _, d := range dirs {
		if info, err := os.Stat(d); err == nil {
			modified[d] = info.ModTime()
		}
	}
	slices.SortFunc(dirs, func(a, b string) int { return modified[b].Compare(modified[a]) })
	for _, d := range dirs[min(keep, len(dirs)):] {
		if err := os.RemoveAll(d); err != nil {
			t.Logf("remove an old build: %v", err)
		}
	}
}

// gitRepoOfModule makes a git repository holding golangci-lint's module at
// version, tagged with it, and returns its path.
func gitRepoOfModule(t *testing.T, work string, env []string, version string) string {
	t.Helper()
	out, err := command(work, env, "go", "mod", "download", "-json", gclModule+"@"+version).Output()
	if err != nil {
		t.Fatalf("go mod download golangci-lint: %v\n%s", err, out)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download golangci-lint: no directory in %s (%v)", out, err)
	}
	repo := filepath.Join(work, "golangci-lint.git")
	if err := copyTree(mod.Dir, repo); err != nil {
		t.Fatal(err)
	}
	git := []string{"-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"commit", "-q", "-m", version},
		{"tag", version},
	} {
		if out, err := command(repo, env, "git", append(git, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
	}
	return repo
}

// pluginHash hashes the sources of the plugin's packages in this module, and
// go.mod and go.sum.
func pluginHash(t *testing.T, root string) string {
	t.Helper()
	const format = `{{if and .Module (eq .Module.Path "github.com/lockstep-dev/lockstep")}}` +
		`{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}` +
		`{{range .CgoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}` +
		`{{range .EmbedFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{end}}`
	out, err := command(root, os.Environ(), "go", "list", "-deps", "-f", format, "./analyzer/golangci").Output()
	if err != nil {
		t.Fatalf("go list the plugin's packages: %v", err)
	}
	files := append(strings.Fields(string(out)), filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\n%s\n", rel, readFile(t, f))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func command(dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
