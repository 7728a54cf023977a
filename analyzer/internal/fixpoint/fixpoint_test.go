package fixpoint_test

import (
	"testing"

	"github.com/lockstep-dev/lockstep/analyzer/internal/fixpoint"
)

func TestIterate(t *testing.T) {
	for _, tc := range []struct {
		name         string
		limit, until int
		want         int
	}{
		{"settles", 0, 3, 3},
		{"settles within the limit", 5, 3, 3},
		{"stops at the limit", 2, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rounds := 0
			fixpoint.Iterate(tc.limit, func() bool {
				rounds++
				return rounds < tc.until
			})
			if rounds != tc.want {
				t.Errorf("%d rounds, want %d", rounds, tc.want)
			}
		})
	}
}
