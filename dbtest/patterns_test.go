package dbtest

import (
	"slices"
	"testing"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func TestSessionGetOrCreate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	first, err := q.SessionGetOrCreate(ctx, pool, db.SessionGetOrCreateParams{Token: "t1", UserName: "ann"})
	if err != nil || !first.Created || first.UserName != "ann" {
		t.Fatalf("first SessionGetOrCreate = %+v, %v; want created for ann", first, err)
	}
	again, err := q.SessionGetOrCreate(ctx, pool, db.SessionGetOrCreateParams{Token: "t1", UserName: "bob"})
	if err != nil || again.Created || again.ID != first.ID || again.UserName != "ann" {
		t.Fatalf("second SessionGetOrCreate = %+v, %v; want the first row, not created", again, err)
	}
	other, err := q.SessionGetOrCreate(ctx, pool, db.SessionGetOrCreateParams{Token: "t2", UserName: "bob"})
	if err != nil || !other.Created || other.ID == first.ID {
		t.Fatalf("SessionGetOrCreate of another token = %+v, %v; want a new row", other, err)
	}
	for token, want := range map[string]int64{"t1": 1, "t2": 1, "t3": 0} {
		n, err := q.SessionCount(ctx, pool, token)
		if err != nil || n != want {
			t.Fatalf("SessionCount(%s) = %d, %v; want %d", token, n, err, want)
		}
	}
}

// TestGetOrCreateInOneTransaction checks that created stays right when the
// same transaction creates a row and then asks for it again.
func TestGetOrCreateInOneTransaction(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for i, want := range []bool{true, false, false} {
		s, err := q.SessionGetOrCreate(ctx, tx, db.SessionGetOrCreateParams{Token: "t", UserName: "ann"})
		if err != nil || s.Created != want {
			t.Fatalf("call %d in one transaction: created = %v, %v; want %v", i+1, s.Created, err, want)
		}
	}
}

func TestOwnerStateUpsert(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	for i, tc := range []struct {
		owner, thing, state string
		created             bool
		version             int64
	}{
		{"ann", "lamp", "on", true, 1},
		{"ann", "lamp", "off", false, 2},
		{"ann", "door", "open", true, 1},
		{"bob", "lamp", "on", true, 1},
		{"ann", "lamp", "dim", false, 3},
	} {
		got, err := q.OwnerStateUpsert(ctx, pool, db.OwnerStateUpsertParams{Owner: tc.owner, Thing: tc.thing, State: tc.state})
		if err != nil || got.Created != tc.created || got.Version != tc.version || got.State != tc.state {
			t.Fatalf("write %d: OwnerStateUpsert = %+v, %v; want created %v, version %d, state %s", i+1, got, err, tc.created, tc.version, tc.state)
		}
	}
	got, err := q.OwnerStateGet(ctx, pool, db.OwnerStateGetParams{Owner: "ann", Thing: "lamp"})
	if err != nil || got.State != "dim" || got.Version != 3 {
		t.Fatalf("OwnerStateGet = %+v, %v; want dim at version 3", got, err)
	}
	_, err = q.OwnerStateGet(ctx, pool, db.OwnerStateGetParams{Owner: "bob", Thing: "door"})
	requireNoRows(t, err)
}

func TestPostLikes(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	post, err := q.PostCreate(ctx, pool, "hello")
	if err != nil || post.Likes != 0 || post.Title != "hello" {
		t.Fatalf("PostCreate = %+v, %v", post, err)
	}
	for _, tc := range []struct{ delta, want int64 }{{1, 1}, {1, 2}, {5, 7}, {-3, 4}} {
		likes, err := q.PostAddLikes(ctx, pool, db.PostAddLikesParams{ID: post.ID, Delta: tc.delta})
		if err != nil || likes != tc.want {
			t.Fatalf("PostAddLikes(%d) = %d, %v; want %d", tc.delta, likes, err, tc.want)
		}
	}
	got, err := q.PostGet(ctx, pool, post.ID)
	if err != nil || got.Likes != 4 {
		t.Fatalf("PostGet = %+v, %v; want 4 likes", got, err)
	}
	_, err = q.PostAddLikes(ctx, pool, db.PostAddLikesParams{ID: post.ID + 1000, Delta: 1})
	requireNoRows(t, err)
	_, err = q.PostGet(ctx, pool, post.ID+1000)
	requireNoRows(t, err)
}

func TestDomainsInsert(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	for i, tc := range []struct {
		names []string
		want  []string // the names that were new, sorted
		total int64
	}{
		{[]string{"b.com", "a.com", "c.com"}, []string{"a.com", "b.com", "c.com"}, 3},
		{[]string{"d.com", "a.com", "d.com", "e.com", "d.com"}, []string{"d.com", "e.com"}, 5}, // duplicates in one batch
		{[]string{"e.com", "a.com"}, nil, 5},
		{nil, nil, 5},
	} {
		got, err := q.DomainsInsert(ctx, pool, tc.names)
		if err != nil {
			t.Fatalf("batch %d: DomainsInsert: %v", i+1, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Fatalf("batch %d: DomainsInsert(%v) = %v, want %v", i+1, tc.names, got, tc.want)
		}
		n, err := q.DomainCount(ctx, pool)
		if err != nil || n != tc.total {
			t.Fatalf("batch %d: DomainCount = %d, %v; want %d", i+1, n, err, tc.total)
		}
	}
}

func TestTransfers(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	live := func(token string, want int64) {
		t.Helper()
		n, err := q.TransferCountLive(ctx, pool, token)
		if err != nil || n != want {
			t.Fatalf("TransferCountLive(%s) = %d, %v; want %d", token, n, err, want)
		}
	}

	first, err := q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: "tok", Amount: 10})
	if err != nil || first.ExecutionTime != 0 || first.Amount != 10 {
		t.Fatalf("TransferCreate = %+v, %v; want a live transfer", first, err)
	}
	// A second live transfer with the token is refused.
	_, err = q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: "tok", Amount: 20})
	requireNoRows(t, err)
	live("tok", 1)
	if _, err := q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: "other", Amount: 5}); err != nil {
		t.Fatalf("TransferCreate of another token: %v", err)
	}

	// Execution needs a positive time and happens once.
	_, err = q.TransferExecute(ctx, pool, db.TransferExecuteParams{ID: first.ID, ExecutionTime: 0})
	requireNoRows(t, err)
	done, err := q.TransferExecute(ctx, pool, db.TransferExecuteParams{ID: first.ID, ExecutionTime: 1700000000})
	if err != nil || done.ExecutionTime != 1700000000 {
		t.Fatalf("TransferExecute = %+v, %v", done, err)
	}
	_, err = q.TransferExecute(ctx, pool, db.TransferExecuteParams{ID: first.ID, ExecutionTime: 1700000001})
	requireNoRows(t, err)
	live("tok", 0)

	// The executed transfer frees its token.
	second, err := q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: "tok", Amount: 30})
	if err != nil || second.ID == first.ID {
		t.Fatalf("TransferCreate after execution = %+v, %v; want a new transfer", second, err)
	}
	_, err = q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: "tok", Amount: 40})
	requireNoRows(t, err)
	live("tok", 1)
}
