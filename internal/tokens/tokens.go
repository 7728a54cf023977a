// Package tokens issues and checks the HTTP API's bearer tokens. A token is
// 32 random bytes, base64url-encoded after the "lst_" prefix; only its
// SHA-256 is stored, so a database dump gives no working token.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
)

// Prefix starts every token, so a leaked one is easy to recognise.
const Prefix = "lst_"

var queries = db.New()

// ErrInvalid means the token is unknown, revoked or malformed.
var ErrInvalid = errors.New("invalid or revoked token")

// Token is a stored token, without its secret.
type Token struct {
	ID   uuid.UUID
	Name string
}

// Create stores a new token named name and returns it; the returned secret
// is the only copy.
func Create(ctx context.Context, conn db.DBTX, name string) (secret string, token db.TokenCreateRow, err error) {
	if name == "" || len(name) > 100 {
		return "", db.TokenCreateRow{}, errors.New("a token name is 1 to 100 bytes")
	}
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand)
	secret = Prefix + base64.RawURLEncoding.EncodeToString(raw)
	token, err = queries.TokenCreate(ctx, conn, db.TokenCreateParams{Name: name, Hash: hash(secret)})
	if err != nil {
		return "", db.TokenCreateRow{}, fmt.Errorf("store token %q: %w", name, err)
	}
	return secret, token, nil
}

// Authenticate returns the live token whose secret this is, or ErrInvalid.
func Authenticate(ctx context.Context, conn db.DBTX, secret string) (Token, error) {
	if !strings.HasPrefix(secret, Prefix) {
		return Token{}, ErrInvalid
	}
	row, err := queries.TokenAuthenticate(ctx, conn, hash(secret))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, ErrInvalid
	}
	if err != nil {
		return Token{}, fmt.Errorf("check token: %w", err)
	}
	return Token{ID: row.ID, Name: row.Name}, nil
}

func hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
