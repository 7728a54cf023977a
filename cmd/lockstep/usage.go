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

// parseSubcommand takes the subcommand (one of names, as the error says)
// from args and parses the flags after it into fs, which takes no
// positional arguments.
func parseSubcommand(fs *flag.FlagSet, args []string, names string) (string, error) {
	if len(args) == 0 {
		fs.Usage()
		return "", fmt.Errorf("give %s", names)
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" {
		fs.Usage()
		return "", flag.ErrHelp
	}
	if err := fs.Parse(args[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return sub, nil
}
