package consumers

import (
	"context"
	"testing"
	"time"

	"github.com/lockstep-dev/lockstep/db"
)

// BenchmarkThreeStepJobs submits b.N three-step uppercase jobs, then runs
// the whole pipeline (relay, executor, result handler) and reports steps/s
// from its start to the last job done.
func BenchmarkThreeStepJobs(b *testing.B) {
	p := newPipeline(b)
	p.cfg.Logger = discardLogger()
	for range b.N {
		p.submit(`"x"`, step("uppercase", `{}`), step("uppercase", `{}`), step("uppercase", `{}`))
	}
	b.ResetTimer()
	started := time.Now()
	p.startAll()
	waitWithin(b, 10*time.Minute, "every job done", func() (bool, error) {
		var unfinished int
		err := p.cfg.Pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE status <> $1`, db.JobStatusDone).Scan(&unfinished)
		return unfinished == 0, err
	})
	b.ReportMetric(float64(3*b.N)/time.Since(started).Seconds(), "steps/s")
}
