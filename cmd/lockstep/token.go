package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/internal/tokens"
)

func runToken(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "token create --name NAME | token list | token revoke NAME",
		"Manage the HTTP API's bearer tokens. create prints the new token once, alone on the last\n"+
			"line of stdout (only its hash is stored); send it as Authorization: Bearer <token>, or set\n"+
			"LOCKSTEP_TOKEN for lockstep submit --api. revoke makes a token fail at once.")
	dbURL := databaseFlag(fs)
	name := fs.String("name", "", "the new token's name (create)")
	if len(args) == 0 {
		fs.Usage()
		return errors.New("give create, list or revoke")
	}
	sub, rest := args[0], args[1:]
	if err := fs.Parse(rest); err != nil {
		return err
	}
	pool, err := openPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch {
	case sub == "create" && fs.NArg() == 0:
		secret, token, err := tokens.Create(ctx, pool, *name)
		if err != nil {
			return err
		}
		fmt.Printf("created token %q (%s); it is shown once:\n%s\n", token.Name, token.ID, secret)
		return nil
	case sub == "list" && fs.NArg() == 0:
		rows, err := queries.TokenList(ctx, pool)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tID\tCREATED\tREVOKED")
		for _, r := range rows {
			revoked := "-"
			if r.RevokedAt != nil {
				revoked = r.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.ID, r.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case sub == "revoke" && fs.NArg() == 1:
		row, err := queries.TokenRevoke(ctx, pool, fs.Arg(0))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no live token named %q", fs.Arg(0))
		}
		if err != nil {
			return err
		}
		fmt.Printf("revoked token %q (%s)\n", row.Name, row.ID)
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unexpected arguments %q", args)
}
