package main

import (
	"flag"
	"fmt"
)

// usageOf returns a FlagSet usage function that shows the command's
// synopsis and purpose before its flags.
func usageOf(fs *flag.FlagSet, synopsis, purpose string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: lockstep %s\n\n%s\n\nflags:\n", synopsis, purpose)
		fs.PrintDefaults()
	}
}
