package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
)

func runWebhooks(ctx context.Context, args []string) error {
	return webhooksCommand(ctx, os.Stdout, args)
}

// webhooksCommand is runWebhooks printing to out.
func webhooksCommand(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("webhooks", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "webhooks failed [--limit 100] | webhooks replay (--id ID,... | --all)",
		"Operate webhook deliveries whose retry schedule ran out. failed lists each one's id,\n"+
			"subscription, URL, event, attempts, last error and age; replay makes them pending and due\n"+
			"now, with the schedule from its start, so the deliverer sends each once more. An operator's\n"+
			"command: it talks to the database directly (--database-url), not to the API, and needs no\n"+
			"token, as lockstep token does.")
	dbURL := databaseFlag(fs)
	limit := fs.Int("limit", 100, "failed: at most this many")
	ids := fs.String("id", "", "replay: comma-separated delivery ids (the ID column of failed)")
	all := fs.Bool("all", false, "replay: every failed delivery")
	sub, err := parseSubcommand(fs, args, "failed or replay")
	if err != nil {
		return err
	}
	var selected []int64
	switch sub {
	case "failed":
	case "replay":
		if (*ids == "") == !*all {
			return errors.New("give --id ID,... or --all")
		}
		for _, s := range strings.Split(*ids, ",") {
			if s == "" {
				continue
			}
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("--id: %q is not a delivery id", s)
			}
			selected = append(selected, id)
		}
	default:
		return fmt.Errorf("unknown webhooks command %q: give failed or replay", sub)
	}
	pool, err := openPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if sub == "failed" {
		return listFailedWebhooks(ctx, out, pool, *limit)
	}
	n, err := queries.WebhookReplay(ctx, pool, db.WebhookReplayParams{
		Every: *all, Ids: selected, ExpireSeconds: consumers.DefaultWebhookExpiry.Seconds(),
	})
	if err != nil {
		return fmt.Errorf("replay failed deliveries: %w", err)
	}
	fmt.Fprintf(out, "replayed %d failed deliveries\n", n)
	return nil
}

// listFailedWebhooks prints up to limit failed deliveries, oldest first.
func listFailedWebhooks(ctx context.Context, w io.Writer, pool *pgxpool.Pool, limit int) error {
	rows, err := queries.WebhookFailedList(ctx, pool, int32(limit))
	if err != nil {
		return fmt.Errorf("list failed deliveries: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSUBSCRIPTION\tURL\tEVENT\tTYPE\tATTEMPTS\tAGE\tLAST ERROR")
	for _, r := range rows {
		lastErr := "-"
		if r.LastError != nil {
			lastErr = *r.LastError
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.SubscriptionID, r.Url, r.EventID, r.EventType,
			r.Attempt, time.Since(r.CreatedAt).Round(time.Second), lastErr)
	}
	return tw.Flush()
}
