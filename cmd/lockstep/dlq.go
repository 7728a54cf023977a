package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/message"
)

func runDLQ(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dlq", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "dlq list [--limit 100] | dlq replay (--id ID,... | --all) | dlq purge",
		"Operate the dead-letter queue. list shows each message's queue, reason, age and id and leaves\n"+
			"it there; replay puts messages back on the queue they came from, with their ids, so each is\n"+
			"applied at most once; purge deletes them all.")
	amqpURL := amqpFlag(fs)
	prefix := prefixFlag(fs)
	limit := fs.Int("limit", 100, "list: at most this many")
	ids := fs.String("id", "", "replay: comma-separated message ids")
	all := fs.Bool("all", false, "replay: every dead letter")
	sub, err := parseSubcommand(fs, args, "list, replay or purge")
	if err != nil {
		return err
	}
	if err := validateAMQPURL(*amqpURL); err != nil {
		return err
	}
	cfg := consumers.Config{AMQPURL: *amqpURL, Topology: message.NewTopology(*prefix)}
	dl, err := consumers.OpenDeadLetters(cfg)
	if err != nil {
		return err
	}
	defer dl.Close()
	switch sub {
	case "list":
		letters, err := dl.List(ctx, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "QUEUE\tAGE\tMESSAGE ID\tREASON")
		for _, l := range letters {
			age := "-"
			if !l.DeadAt.IsZero() {
				age = time.Since(l.DeadAt).Round(time.Second).String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Queue, age, l.MessageID, l.Reason)
		}
		return tw.Flush()
	case "replay":
		if (*ids == "") == !*all {
			return errors.New("give --id ID,... or --all")
		}
		var selected []string
		if *ids != "" {
			selected = strings.Split(*ids, ",")
		}
		n, err := dl.Replay(ctx, selected)
		fmt.Printf("replayed %d dead letters\n", n)
		return err
	case "purge":
		n, err := dl.Purge(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("purged %d dead letters\n", n)
		return nil
	}
	return fmt.Errorf("unknown dlq command %q: give list, replay or purge", sub)
}
