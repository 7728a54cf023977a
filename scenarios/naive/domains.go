package naive

import (
	"context"
	"fmt"
)

// SaveDomains stores the scraped names not yet known (S3): it reads every
// existing domain into memory, keeps the new names and bulk-inserts them.
// Scrapers running at once read the same table, insert the same new names
// and all but one fail their whole batch on a duplicate key; each batch also
// reads the full table.
func (s *Store) SaveDomains(ctx context.Context, names []string) error {
	existing, err := s.queries.DomainAllNames(ctx)
	if err != nil {
		return fmt.Errorf("list domains: %w", err)
	}
	known := make(map[string]bool, len(existing))
	for _, name := range existing {
		known[name] = true
	}
	var fresh []string
	for _, name := range names {
		if !known[name] {
			fresh = append(fresh, name)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	s.work()
	if err := s.queries.DomainBulkInsert(ctx, fresh); err != nil {
		return fmt.Errorf("insert %d domains: %w", len(fresh), err)
	}
	return nil
}
