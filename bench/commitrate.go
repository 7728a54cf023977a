package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// CounterRows is how many rows the commit-rate table holds: each
// transaction updates one at random, like pgbench's accounts at scale 1, so
// clients rarely wait on each other's row locks.
const CounterRows = 100_000

// updateSQL is the one statement of each commit-rate transaction; the
// pgbench script says the same with its own parameter syntax.
const updateSQL = "UPDATE bench_counters SET n = n + 1 WHERE id = $1"

// CreateCounters creates and fills the commit-rate table and vacuums it,
// as pgbench -i does, so the first seconds are not spent on hint bits.
func CreateCounters(ctx context.Context, pool *pgxpool.Pool) error {
	for _, sql := range []string{
		"CREATE TABLE bench_counters (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0) WITH (fillfactor = 90)",
		fmt.Sprintf("INSERT INTO bench_counters (id) SELECT generate_series(1, %d)", CounterRows),
		"VACUUM ANALYZE bench_counters",
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			return fmt.Errorf("prepare commit-rate table: %w", err)
		}
	}
	return nil
}

// Rate is a count of operations over the time they took.
type Rate struct {
	Count   int64
	Elapsed time.Duration
}

// PerSecond is the rate's operations per second.
func (r Rate) PerSecond() float64 { return float64(r.Count) / r.Elapsed.Seconds() }

// tpsLine is pgbench's summary line of the rate without connection set-up.
var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// txLine is pgbench's count of processed transactions.
var txLine = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)

// Pgbench runs the real pgbench with a script of the one UPDATE against the
// database at url, with clients connections for d, and returns its rate.
func Pgbench(ctx context.Context, pgbench, url string, clients int, d time.Duration) (Rate, error) {
	dir, err := os.MkdirTemp("", "lockstep-bench-")
	if err != nil {
		return Rate{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "update.sql")
	body := fmt.Sprintf("\\set id random(1, %d)\nUPDATE bench_counters SET n = n + 1 WHERE id = :id;\n", CounterRows)
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		return Rate{}, err
	}
	cmd := exec.CommandContext(ctx, pgbench,
		"--no-vacuum", "--client", strconv.Itoa(clients), "--jobs", strconv.Itoa(min(clients, 2)),
		"--time", strconv.Itoa(int(d.Round(time.Second).Seconds())), "--file", script, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Rate{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	tps, count := tpsLine.FindSubmatch(out), txLine.FindSubmatch(out)
	if tps == nil || count == nil {
		return Rate{}, fmt.Errorf("pgbench printed no rate:\n%s", out)
	}
	perSecond, _ := strconv.ParseFloat(string(tps[1]), 64)
	n, _ := strconv.ParseInt(string(count[1]), 10, 64)
	// Elapsed follows from pgbench's own rate, which leaves out connecting.
	return Rate{Count: n, Elapsed: time.Duration(float64(n) / perSecond * float64(time.Second))}, nil
}

// UpdateLoop runs the same transaction as Pgbench from Go: clients
// goroutines, each on its own pooled connection, send the UPDATE (one
// implicit transaction each, extended protocol, as pgx sends any statement)
// until d has passed.
func UpdateLoop(ctx context.Context, pool *pgxpool.Pool, clients int, d time.Duration) (Rate, error) {
	// Connect every client before the clock starts, as pgbench does.
	conns := make([]*pgxpool.Conn, 0, clients)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range clients {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return Rate{}, err
		}
		conns = append(conns, c)
	}
	var (
		count atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range conns {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if _, err := c.Exec(ctx, updateSQL, rand.IntN(CounterRows)+1); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return Rate{}, fmt.Errorf("update loop: %w", err)
	}
	return Rate{Count: count.Load(), Elapsed: time.Since(start)}, nil
}

// CommitRateOptions say how the database's own commit rate is measured.
type CommitRateOptions struct {
	DatabaseURL string
	// Pgbench is the pgbench executable; empty skips it.
	Pgbench string
	// GoLoop runs the same transactions from Go with pgx.
	GoLoop   bool
	Clients  int
	Duration time.Duration
}

// CommitRateResult holds the rates that ran.
type CommitRateResult struct {
	Pgbench, GoLoop *Rate
	ServerVersion   string
}

// RunCommitRate measures the server's rate of one-UPDATE transactions on a
// scratch database: with pgbench, then with the Go loop, as opts say.
func RunCommitRate(ctx context.Context, opts CommitRateOptions, logger *slog.Logger) (CommitRateResult, error) {
	var result CommitRateResult
	scratch, err := NewScratch(ctx, opts.DatabaseURL, "lockstep_bench_commit")
	if err != nil {
		return result, err
	}
	defer scratch.dropLogged(logger)
	pool, err := scratch.Pool(ctx, opts.Clients, nil)
	if err != nil {
		return result, err
	}
	defer pool.Close()
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&result.ServerVersion); err != nil {
		return result, err
	}
	if err := CreateCounters(ctx, pool); err != nil {
		return result, err
	}
	if opts.Pgbench != "" {
		rate, err := Pgbench(ctx, opts.Pgbench, scratch.URL, opts.Clients, opts.Duration)
		if err != nil {
			return result, err
		}
		result.Pgbench = &rate
	}
	if opts.GoLoop {
		rate, err := UpdateLoop(ctx, pool, opts.Clients, opts.Duration)
		if err != nil {
			return result, err
		}
		result.GoLoop = &rate
	}
	return result, nil
}
