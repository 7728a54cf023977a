// Command lockstep runs the Lockstep job pipeline and its tools.
//
// Usage: lockstep <command> [flags]; `lockstep <command> --help` shows each
// command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: run parses its own flags from args.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string) error
}

// commands lists every subcommand in the order help shows them.
var commands = []command{
	{"migrate", "apply database migrations", runMigrate},
	{"serve", "run the pipeline's roles (api, executor, results, relay, webhooks)", runServe},
	{"submit", "submit a job and print its id", runSubmit},
	{"status", "show a job's state, tasks and timings", runStatus},
	{"stop", "stop a job", runStop},
	{"dlq", "list, replay or purge dead letters", runDLQ},
	{"webhooks", "list or replay webhook deliveries that failed", runWebhooks},
	{"token", "create, list and revoke the HTTP API's tokens", runToken},
	{"demo", "run a batch of jobs through the pipeline and check them", runDemo},
	{"race", "race each scenario's naive and safe ports on the real services", runRace},
	{"torture", "inject faults into the pipeline while jobs run and check its invariants", runTorture},
	{"bench", "measure the pipeline's steps/s against the database's commit rate (and River)", runBench},
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name != os.Args[1] {
			continue
		}
		err := c.run(ctx, os.Args[2:])
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "lockstep %s: %v\n", c.name, err)
			os.Exit(1)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "lockstep: unknown command %q\n\n", os.Args[1])
	usage()
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: lockstep <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'lockstep <command> --help' for a command's flags.")
}
