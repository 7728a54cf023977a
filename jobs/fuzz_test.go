package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/jobs"
)

// Whatever Validate accepts as input or params, PostgreSQL stores as jsonb:
// a request that passed validation never fails in the database.
func FuzzValidatedTextIsStorable(f *testing.F) {
	for _, seed := range []string{
		`{"text": "hi"}`, `"\u0000"`, `"\ud800"`, `"\udc00\ud800"`, `"\ud83d\ude00"`, "\"\xff\"",
		`{"a": "\\u0000"}`, `[1, 2.5e10, null, true]`, `"\u00e9"`, `"\\\\\u0000"`,
	} {
		f.Add([]byte(seed))
	}
	pool := testdb.New(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		spec := jobs.Spec{Steps: []jobs.Step{{Handler: "x", Params: json.RawMessage(raw)}}, Input: json.RawMessage(raw)}
		if len(raw) == 0 || spec.Validate(nil) != nil {
			return
		}
		var out []byte
		if err := pool.QueryRow(context.Background(), "SELECT $1::text::jsonb", string(raw)).Scan(&out); err != nil {
			t.Fatalf("Validate accepted %q, PostgreSQL refused it: %v", raw, err)
		}
	})
}
