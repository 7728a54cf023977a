package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// realModule uses the real pgx and amqp091-go at the versions this
// repository's go.mod pins: one publish inside a transaction, one after it.
var realModule = map[string]string{
	"go.mod": `module example.com/realmod

go 1.26

require (
	github.com/jackc/pgx/v5 v5.12.0
	github.com/rabbitmq/amqp091-go v1.16.0
)
`,
	"app/app.go": `package app

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"example.com/realmod/events"
)

// Create inserts a job and publishes it before the commit.
func Create(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ($1)", "j"); err != nil {
		return err
	}
	if err := events.Send(ctx, ch, "jobs"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// CreateThenPublish publishes after the commit.
func CreateThenPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO outbox (body) VALUES ($1)", "j")
		return err
	})
	if err != nil {
		return err
	}
	return events.Send(ctx, ch, "jobs")
}
`,
	"events/events.go": `package events

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Send publishes to a queue.
func Send(ctx context.Context, ch *amqp.Channel, queue string) error {
	return ch.PublishWithContext(ctx, "", queue, false, false, amqp.Publishing{Body: []byte("x")})
}
`,
}

// binDir holds the txvet the tests share, built on first use.
var (
	binDir    string
	buildOnce = sync.OnceValues(func() (string, error) {
		txvet := filepath.Join(binDir, "txvet")
		if out, err := exec.Command("go", "build", "-o", txvet, ".").CombinedOutput(); err != nil {
			return "", fmt.Errorf("build txvet: %v\n%s", err, out)
		}
		return txvet, nil
	})
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "txvet-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildTxvet returns the path of the command, built once for all tests.
func buildTxvet(t *testing.T) string {
	t.Helper()
	txvet, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return txvet
}

const wantFinding = "message published by Send (PublishWithContext at events.go:11) at line 23 while transaction begun by Begin at line 15 is open"

// TestRealModule builds txvet and runs it, standalone and under go vet, on
// a module that uses the real pgx and amqp091-go.
func TestRealModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds txvet and a module with real dependencies")
	}
	txvet := buildTxvet(t)
	mod := filepath.Join(t.TempDir(), "mod")
	for name, text := range realModule {
		path := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOWORK=off")
	run := func(name string, args ...string) (string, string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = mod
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	if _, stderr, err := run("go", "mod", "download"); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, stderr)
	}

	t.Run("standalone", func(t *testing.T) {
		_, stderr, err := run(txvet, "./...")
		if err == nil {
			t.Fatalf("txvet ./... succeeded, want exit status 3 with a finding")
		}
		if !strings.Contains(stderr, wantFinding) {
			t.Fatalf("txvet output lacks %q:\n%s", wantFinding, stderr)
		}
		if strings.Count(stderr, "message published") != 1 {
			t.Fatalf("want exactly one finding, got:\n%s", stderr)
		}
	})

	t.Run("json", func(t *testing.T) {
		stdout, stderr, err := run(txvet, "-json", "./...")
		if err != nil {
			t.Fatalf("txvet -json: %v\n%s", err, stderr)
		}
		// package -> analyzer -> diagnostics
		var result map[string]map[string]json.RawMessage
		if err := json.Unmarshal([]byte(stdout), &result); err != nil {
			t.Fatalf("txvet -json output is not JSON: %v\n%s", err, stdout)
		}
		if _, ok := result["example.com/realmod/app"]["publishintx"]; !ok {
			t.Fatalf("no publishintx diagnostics for app in:\n%s", stdout)
		}
	})

	t.Run("go vet", func(t *testing.T) {
		// app is never a dependency here, so go vet's cache cannot replay
		// an empty result for it (see the package doc).
		_, stderr, err := run("go", "vet", "-vettool="+txvet, "./...")
		if err == nil {
			t.Fatalf("go vet -vettool succeeded, want a finding")
		}
		if !strings.Contains(stderr, wantFinding) {
			t.Fatalf("go vet output lacks %q:\n%s", wantFinding, stderr)
		}
	})
}
