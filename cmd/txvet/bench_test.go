package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkVsGoVet times txvet against the standard go vet suite on the same
// packages, in one run: this repository and pgx from the module cache. Each
// iteration gets a private GOCACHE, filled with the packages' export data
// before the clock starts, so neither tool replays cached results and
// neither pays for compiling. Reported per target: seconds for go vet,
// txvet standalone and go vet -vettool=txvet, and the two ratios.
//
//	go test -run '^$' -bench VsGoVet -benchtime 1x -timeout 60m ./cmd/txvet
func BenchmarkVsGoVet(b *testing.B) {
	tmp := b.TempDir()
	txvet := filepath.Join(tmp, "txvet")
	if out, err := exec.Command("go", "build", "-o", txvet, ".").CombinedOutput(); err != nil {
		b.Fatalf("build txvet: %v\n%s", err, out)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		b.Fatal(err)
	}
	pgx, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/jackc/pgx/v5").Output()
	if err != nil {
		b.Fatalf("locate pgx: %v", err)
	}
	targets := []struct{ name, dir string }{
		{"lockstep", root},
		{"pgx", strings.TrimSpace(string(pgx))},
	}
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) {
			var vet, standalone, vettool time.Duration
			for range b.N {
				cache := b.TempDir()
				env := append(os.Environ(), "GOCACHE="+cache, "GOFLAGS=-mod=readonly", "GOWORK=off")
				b.StopTimer()
				// go vet and txvet both load test packages: build their
				// dependencies' export data first.
				run(b, target.dir, env, "go", "list", "-e", "-export", "-deps", "-test", "./...")
				b.StartTimer()
				vet += run(b, target.dir, env, "go", "vet", "./...")
				standalone += run(b, target.dir, env, txvet, "./...")
				vettool += run(b, target.dir, env, "go", "vet", "-vettool="+txvet, "./...")
			}
			n := float64(b.N)
			b.ReportMetric(vet.Seconds()/n, "govet-s")
			b.ReportMetric(standalone.Seconds()/n, "txvet-s")
			b.ReportMetric(vettool.Seconds()/n, "vettool-s")
			b.ReportMetric(standalone.Seconds()/vet.Seconds(), "txvet/govet")
			b.ReportMetric(vettool.Seconds()/vet.Seconds(), "vettool/govet")
		})
	}
}

// run runs a command in dir and returns how long it took. Findings make
// vet tools exit non-zero; only a crash fails the benchmark.
func run(b *testing.B, dir string, env []string, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, _ := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if s := string(out); strings.Contains(s, "panic:") || strings.Contains(s, "internal error") {
		b.Fatalf("%s %s crashed:\n%s", name, strings.Join(args, " "), s)
	}
	return elapsed
}
