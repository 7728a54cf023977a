// Package dbtest tests the generated data layer in db/ against the real
// PostgreSQL server: the semantics of every query and the invariants the safe
// patterns keep under real concurrency. The tests live outside db/ because
// make verify requires db/ to hold exactly what sqlc generates.
package dbtest
