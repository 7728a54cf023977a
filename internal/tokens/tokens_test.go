package tokens_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/internal/tokens"
)

// A created token authenticates until it is revoked; only its hash is
// stored; names are unique; unknown and malformed tokens fail.
func TestCreateAuthenticateRevoke(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	secret, row, err := tokens.Create(ctx, pool, "ci")
	if err != nil || !strings.HasPrefix(secret, tokens.Prefix) || len(secret) < 40 {
		t.Fatalf("Create = %q, %v", secret, err)
	}
	got, err := tokens.Authenticate(ctx, pool, secret)
	if err != nil || got.ID != row.ID || got.Name != "ci" {
		t.Fatalf("Authenticate = %+v, %v; want token ci", got, err)
	}
	var stored int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM api_tokens WHERE position($1::bytea in hash) > 0", []byte(secret)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret itself is stored (%d, %v)", stored, err)
	}
	if _, _, err := tokens.Create(ctx, pool, "ci"); err == nil {
		t.Error("a second token named ci was created")
	}
	for _, bad := range []string{"", "lst_", "lst_nope", secret + "x", strings.TrimPrefix(secret, tokens.Prefix)} {
		if _, err := tokens.Authenticate(ctx, pool, bad); !errors.Is(err, tokens.ErrInvalid) {
			t.Errorf("Authenticate(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := db.New().TokenRevoke(ctx, pool, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, pool, secret); !errors.Is(err, tokens.ErrInvalid) {
		t.Errorf("revoked token: %v, want ErrInvalid", err)
	}
}
