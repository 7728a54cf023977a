package scenarios

import (
	"context"
	"fmt"
	"sync"

	"github.com/lockstep-dev/lockstep/db"
)

var queries = db.New()

// getOrCreate: every round, all workers get-or-create one new session token.
// Invariant: every call returns the session, and all calls of a round the
// same one.
func getOrCreate() Scenario {
	return Scenario{Name: "S3-get-or-create", Anomaly: "failed or diverging calls", run: func(ctx context.Context, t *trial) (int, error) {
		getOrCreate := pick(t, t.naive.GetOrCreateSession, t.safe.GetOrCreateSession)
		ids := make([][]int64, t.rounds)
		for r := range ids {
			ids[r] = make([]int64, t.workers)
		}
		failed, err := t.race(ctx, func(ctx context.Context, w, r int) error {
			id, err := getOrCreate(ctx, fmt.Sprintf("%s-%d", t.key, r), fmt.Sprintf("user-%d", w))
			ids[r][w] = id
			return err
		})
		if err != nil {
			return 0, err
		}
		anomalies := failed
		for r := range ids {
			n, err := queries.SessionCount(ctx, t.env.Pool, fmt.Sprintf("%s-%d", t.key, r))
			if err != nil {
				return 0, fmt.Errorf("count sessions: %w", err)
			}
			if n != 1 { // duplicate rows, or none at all
				anomalies += max(int(n)-1, 1)
			}
			var first int64
			for _, id := range ids[r] {
				switch {
				case id == 0: // failed, counted above
				case first == 0:
					first = id
				case id != first:
					anomalies++
				}
			}
		}
		return anomalies, nil
	}}
}

// likes: all workers like one post. Invariant: likes = successful calls.
func likes() Scenario {
	return Scenario{Name: "S3-likes", Anomaly: "lost or failed likes", run: func(ctx context.Context, t *trial) (int, error) {
		like := pick(t, t.naive.LikePost, t.safe.LikePost)
		post, err := queries.PostCreate(ctx, t.env.Pool, t.key)
		if err != nil {
			return 0, fmt.Errorf("create post: %w", err)
		}
		// Failed likes and lost ones both show in the count.
		_, err = t.race(ctx, func(ctx context.Context, _, _ int) error {
			return like(ctx, post.ID)
		})
		if err != nil {
			return 0, err
		}
		post, err = queries.PostGet(ctx, t.env.Pool, post.ID)
		if err != nil {
			return 0, fmt.Errorf("read post: %w", err)
		}
		return t.ops() - int(post.Likes), nil
	}}
}

// domainBatch is the number of names a scraper saves at once; neighbouring
// workers' batches overlap by half.
const domainBatch = 10

// domains: every round, each worker saves a batch of scraped names that
// shares half its names with the next worker's. Invariant: no batch fails
// and every name ends up stored.
func domains() Scenario {
	return Scenario{Name: "S3-domains", Anomaly: "failed batches + lost names", run: func(ctx context.Context, t *trial) (int, error) {
		save := pick(t, t.naive.SaveDomains, t.safe.SaveDomains)
		var mu sync.Mutex
		want := map[string]bool{}
		failed, err := t.race(ctx, func(ctx context.Context, w, r int) error {
			names := make([]string, domainBatch)
			for i := range names {
				names[i] = fmt.Sprintf("%s-%d-%d.example", t.key, r, w*domainBatch/2+i)
			}
			mu.Lock()
			for _, n := range names {
				want[n] = true
			}
			mu.Unlock()
			return save(ctx, names)
		})
		if err != nil {
			return 0, err
		}
		var stored int
		err = t.env.Pool.QueryRow(ctx, "SELECT count(*) FROM domains WHERE name LIKE $1 || '-%'", t.key).Scan(&stored)
		if err != nil {
			return 0, fmt.Errorf("count domains: %w", err)
		}
		return failed + len(want) - stored, nil
	}}
}

// transferToken: every round, all workers create a transfer under the first
// free token of the round. Invariant: every creation succeeds and no live
// token is held twice.
func transferToken() Scenario {
	return Scenario{Name: "S3-transfer-token", Anomaly: "failed creations", run: func(ctx context.Context, t *trial) (int, error) {
		create := pick(t, t.naive.CreateTransfer, t.safe.CreateTransfer)
		failed, err := t.race(ctx, func(ctx context.Context, w, r int) error {
			_, err := create(ctx, fmt.Sprintf("%s-%d", t.key, r), int64(w+1))
			return err
		})
		if err != nil {
			return 0, err
		}
		var doubled int
		err = t.env.Pool.QueryRow(ctx, `
			SELECT count(*) FROM (
				SELECT token FROM transfers
				WHERE token LIKE $1 || '-%' AND execution_time = 0
				GROUP BY token HAVING count(*) > 1) AS d`, t.key).Scan(&doubled)
		if err != nil {
			return 0, fmt.Errorf("count doubled tokens: %w", err)
		}
		return failed + doubled, nil
	}}
}

// updateOrCreate: every round, all workers update-or-create one new (owner,
// thing) row. Invariant: every call succeeds and the row's version counts
// every write.
func updateOrCreate() Scenario {
	return Scenario{Name: "S4", Anomaly: "failed or lost writes", run: func(ctx context.Context, t *trial) (int, error) {
		upsert := pick(t, t.naive.UpdateOrCreateState, t.safe.UpdateOrCreateState)
		_, err := t.race(ctx, func(ctx context.Context, w, r int) error {
			return upsert(ctx, t.key, fmt.Sprintf("thing-%d", r), fmt.Sprintf("state-%d", w))
		})
		if err != nil {
			return 0, err
		}
		var versions int
		err = t.env.Pool.QueryRow(ctx, "SELECT coalesce(sum(version), 0) FROM owner_states WHERE owner = $1", t.key).Scan(&versions)
		if err != nil {
			return 0, fmt.Errorf("sum versions: %w", err)
		}
		// Each successful call is one version: failed calls and writes lost
		// in between both show as missing versions.
		return t.ops() - versions, nil
	}}
}
