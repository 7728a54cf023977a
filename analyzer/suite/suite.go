// Package suite lists txvet's analyzers and the flags of the passes they
// share, for the txvet command and for tests that run them together.
package suite

import (
	"flag"

	"golang.org/x/tools/go/analysis"

	"github.com/lockstep-dev/lockstep/analyzer/getorcreate"
	"github.com/lockstep-dev/lockstep/analyzer/internal/txn"
	"github.com/lockstep-dev/lockstep/analyzer/lostupdate"
	"github.com/lockstep-dev/lockstep/analyzer/publishintx"
)

// Analyzers are txvet's checks, in the order the command lists them.
var Analyzers = []*analysis.Analyzer{
	getorcreate.Analyzer,
	lostupdate.Analyzer,
	publishintx.Analyzer,
}

// RegisterFlags registers the flags of the passes the analyzers require but
// a multichecker does not run as analyzers of their own, so it would not
// expose them: the transaction tracker's beginfuncs, as -txvet.beginfuncs.
func RegisterFlags(fs *flag.FlagSet) {
	beginFuncs := txn.Analyzer.Flags.Lookup("beginfuncs")
	fs.Var(beginFuncs.Value, "txvet.beginfuncs", beginFuncs.Usage)
}
