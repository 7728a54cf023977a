package getorcreate

import (
	"context"
	"errors"
	"log"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"getorcreate/domaindb"
)

var dq = domaindb.New()

// S3: read every existing domain into a set, keep the new names, bulk insert.
func mapSetFilter(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(existing))
	for _, n := range existing {
		known[n] = true
	}
	var fresh []string
	for _, n := range names {
		if !known[n] {
			fresh = append(fresh, n)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return dq.DomainBulkInsert(ctx, pool, fresh) // want `DomainBulkInsert inserts into domains values filtered by DomainNames at line 19 \(check-then-insert race: concurrent callers read the same rows and insert the same new values; insert with ON CONFLICT DO NOTHING in one statement \(DomainInsertNew does\)\)`
}

// A struct{} set of row fields, tested with comma-ok, skipping with continue.
func structSet(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	rows, err := dq.DomainList(ctx, pool)
	if err != nil {
		return err
	}
	seen := make(map[string]struct{})
	for _, d := range rows {
		seen[d.Name] = struct{}{}
	}
	fresh := make([]string, 0, len(names))
	for _, n := range names {
		if _, ok := seen[n]; ok {
			continue
		}
		fresh = append(fresh, n)
	}
	return dq.DomainBulkInsert(ctx, pool, fresh) // want `DomainBulkInsert inserts into domains values filtered by DomainList at line 41`
}

// slices.Contains decides whether each name is inserted.
func sliceContains(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	for _, n := range names {
		if slices.Contains(existing, n) {
			continue
		}
		if err := dq.DomainCreate(ctx, pool, n); err != nil { // want `DomainCreate inserts into domains after checking values against DomainNames at line 61`
			return err
		}
	}
	return nil
}

// Nested loops: a found flag set when a row matches.
func nestedLoops(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	rows, err := dq.DomainList(ctx, pool)
	if err != nil {
		return err
	}
	var fresh []string
	for _, n := range names {
		found := false
		for _, d := range rows {
			if d.Name == n {
				found = true
				break
			}
		}
		if !found {
			fresh = append(fresh, n)
		}
	}
	return dq.DomainBulkInsert(ctx, pool, fresh) // want `DomainBulkInsert inserts into domains values filtered by DomainList at line 78`
}

// A scan of the rows that returns on a match, and inserts otherwise.
func scanThenCreate(ctx context.Context, pool *pgxpool.Pool, name string) (int64, error) {
	rows, err := dq.DomainList(ctx, pool)
	if err != nil {
		return 0, err
	}
	for _, d := range rows {
		if d.Name == name {
			return d.ID, nil
		}
	}
	return 0, dq.DomainCreate(ctx, pool, name) // want `DomainCreate inserts into domains after checking values against DomainList at line 100`
}

// The candidates as a set, existing rows deleted from it.
func deleteKnown(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	want := make(map[string]bool)
	for _, n := range names {
		want[n] = true
	}
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	for _, n := range existing {
		delete(want, n)
	}
	var fresh []string
	for n := range want {
		fresh = append(fresh, n)
	}
	return dq.DomainBulkInsert(ctx, pool, fresh) // want `DomainBulkInsert inserts into domains values filtered by DomainNames at line 118`
}

// Literal SQL: rows scanned into a set, one INSERT per new name.
func literalRows(ctx context.Context, tx pgx.Tx, names []string) error {
	rows, err := tx.Query(ctx, "SELECT name FROM domains")
	if err != nil {
		return err
	}
	known := make(map[string]bool)
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		known[n] = true
	}
	rows.Close()
	for _, n := range names {
		if known[n] {
			continue
		}
		if _, err := tx.Exec(ctx, "INSERT INTO domains (name) VALUES ($1)", n); err != nil { // want `Exec inserts into domains after checking values against Query at line 134`
			return err
		}
	}
	return nil
}

// FOR UPDATE locks the rows that exist, not the names about to be inserted.
func forUpdateAll(ctx context.Context, tx pgx.Tx, names []string) error {
	existing, err := dq.DomainNamesForUpdate(ctx, tx)
	if err != nil {
		return err
	}
	fresh := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(existing, n) })
	return dq.DomainBulkInsert(ctx, tx, fresh) // want `DomainBulkInsert inserts into domains values filtered by DomainNamesForUpdate at line 160 \(check-then-insert race: FOR UPDATE locks only rows that exist, so concurrent callers`
}

func bulkOnConflict(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	var fresh []string
	for _, n := range names {
		if !slices.Contains(existing, n) {
			fresh = append(fresh, n)
		}
	}
	// ok: ON CONFLICT DO NOTHING skips names another caller inserted first
	return dq.DomainInsertNew(ctx, pool, fresh)
}

func bulkOtherTable(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	var fresh []string
	for _, n := range names {
		if !slices.Contains(existing, n) {
			fresh = append(fresh, n)
		}
	}
	// ok: the filtered names go to another table
	return dq.CrawlQueueInsert(ctx, pool, fresh)
}

func bulkReadLogged(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainList(ctx, pool)
	if err != nil {
		return err
	}
	log.Printf("%d domains known, first %v", len(existing), existing[0])
	for _, d := range existing {
		log.Printf("known: %s", d.Name)
	}
	// ok: the rows are only logged; every name is inserted whatever was read
	return dq.DomainBulkInsert(ctx, pool, names)
}

func bulkReadCounted(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	overlap := 0
	for _, n := range names {
		if slices.Contains(existing, n) {
			overlap++
		}
	}
	log.Printf("%d of %d names already known", overlap, len(names))
	if len(existing) > 1_000_000 {
		return errors.New("too many domains")
	}
	// ok: the count is only logged and the size limit is no membership test; the names are not filtered
	return dq.DomainBulkInsert(ctx, pool, names)
}

func bulkRetried(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	for attempt := 0; attempt < 3; attempt++ {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		existing, err := dq.DomainNames(ctx, tx)
		if err != nil {
			tx.Rollback(ctx)
			return err
		}
		var fresh []string
		for _, n := range names {
			if !slices.Contains(existing, n) {
				fresh = append(fresh, n)
			}
		}
		// ok: a fresh transaction per attempt; a batch that lost the race reads again
		if err := dq.DomainBulkInsert(ctx, tx, fresh); err != nil {
			tx.Rollback(ctx)
			continue
		}
		return tx.Commit(ctx)
	}
	return errors.New("gave up")
}

func bulkCopiesRows(ctx context.Context, pool *pgxpool.Pool) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	var www []string
	for _, n := range existing {
		if n != "" {
			www = append(www, "www."+n)
		}
	}
	// ok: the rows are copied, not tested against other values (no check-then-insert)
	return dq.DomainBulkInsert(ctx, pool, www)
}

func bulkIgnored(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	var fresh []string
	for _, n := range names {
		if !slices.Contains(existing, n) {
			fresh = append(fresh, n)
		}
	}
	//txvet:ignore getorcreate a single importer runs at a time (advisory lock held by the caller)
	return dq.DomainBulkInsert(ctx, pool, fresh)
}

func bulkAssertion(ctx context.Context, pool *pgxpool.Pool, seed string, names []string) error {
	existing, err := dq.DomainNames(ctx, pool)
	if err != nil {
		return err
	}
	if !slices.Contains(existing, seed) {
		panic("seed domain missing: " + seed)
	}
	// ok: the failed check only panics; it decides nothing about which names are inserted
	return dq.DomainBulkInsert(ctx, pool, names)
}
