// Command txvet runs Lockstep's transaction analyzers: lostupdate (a value
// read without a lock written back), getorcreate (check-then-insert and
// statements after a failed one) and publishintx (a message published while
// a transaction is open, or before a write).
//
// It runs standalone or as go vet's analysis tool:
//
//	txvet ./...
//	txvet -json ./...
//	txvet -sarif ./... > txvet.sarif
//	txvet -fix ./...
//	go vet -vettool=$(command -v txvet) ./...
//
// -sarif prints a SARIF 2.1.0 log on stdout (standalone only): one rule per
// analyzer, each finding with the other end of the race as a related
// location, a code flow through the race's steps, and its fixes. -fix
// applies the findings' suggested fixes (see the README for which have one).
//
// Flags, besides the standard ones (-json, -c, -fix, -diff, -<analyzer>=false):
//
//	-txvet.beginfuncs=pkg.Func,(*pkg.T).Method   extra transaction-begin functions
//	-publishintx.funcs=pkg.Func,(*pkg.T).Method  extra publish functions
//
// A begin function with a func parameter runs its last func parameter inside
// a transaction; otherwise its first result is the transaction, and a result
// of type func() error commits it.
//
// Caching pitfall: go vet caches a package's result from a run where the
// package was only a dependency (facts computed, nothing printed) and replays
// that empty result when the package is later vetted directly. With a module
// where a imports b, "go vet -vettool=... ./a" followed by
// "go vet -vettool=... ./b" prints nothing for b; a fresh GOCACHE prints the
// finding. In CI, run txvet standalone (txvet ./...), or give the vet step a
// private cache: GOCACHE=$(mktemp -d) go vet -vettool=$(command -v txvet) ./...
//
// Suppress one finding with //txvet:ignore <analyzer> <reason> on its line or
// the line above; a directive without a reason, or one that silences
// nothing, is itself reported.
package main

import (
	"flag"
	"os"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/lockstep-dev/lockstep/analyzer/suite"
)

func main() {
	if sarifRequested(os.Args[1:]) {
		os.Exit(runSARIF(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Listed in -help; runSARIF parses the command line itself.
	flag.Bool("sarif", false, "print the findings as SARIF 2.1.0 on stdout (standalone only)")
	suite.RegisterFlags(flag.CommandLine)
	multichecker.Main(suite.Analyzers...)
}
