package torture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/schema"
)

// roleConnLimit caps the scratch role's connections on the server: the
// pipeline's processes stay well under it, and pool exhaustion fills it.
const roleConnLimit = 48

// scratch is what a run creates and removes again: a PostgreSQL role and a
// database of the same name owned by it, and a RabbitMQ vhost of that name.
// The pipeline connects as the role, not as a superuser, so the role's
// connection limit applies to it (superusers are exempt from limits).
type scratch struct {
	name string
	// serverURL is the configured server, as given; adminURL the scratch
	// database as that (superuser) user, roleURL the scratch database as
	// the scratch role, amqpURL the scratch vhost.
	serverURL, adminURL, roleURL, amqpURL string
	// admin is a pool on the scratch database as the configured user: the
	// checks and the faults use it, never the pipeline.
	admin *pgxpool.Pool
	// vhost says the vhost was created, so close deletes it.
	vhost bool
}

// newScratch creates the role, the database (migrated) and the vhost. On an
// error it removes what it created.
func newScratch(ctx context.Context, serverURL, amqpURL string) (_ *scratch, err error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	s := &scratch{name: "torture_" + hex.EncodeToString(suffix), serverURL: serverURL}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
		}
	}()
	if s.adminURL, err = withDatabase(serverURL, s.name, ""); err != nil {
		return nil, err
	}
	if s.roleURL, err = withDatabase(serverURL, s.name, s.name); err != nil {
		return nil, err
	}
	if err := serverExec(ctx, serverURL,
		fmt.Sprintf("CREATE ROLE %s LOGIN CONNECTION LIMIT %d", s.name, roleConnLimit),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", s.name, s.name)); err != nil {
		return nil, err
	}
	// Migrated as the role, so it owns what the pipeline uses.
	owner, err := pgxpool.New(ctx, s.roleURL)
	if err != nil {
		return nil, fmt.Errorf("connect to the scratch database: %w", err)
	}
	_, err = schema.Migrate(ctx, owner)
	owner.Close()
	if err != nil {
		return nil, fmt.Errorf("migrate the scratch database: %w", err)
	}
	if s.admin, err = pgxpool.New(ctx, s.adminURL); err != nil {
		return nil, fmt.Errorf("connect to the scratch database: %w", err)
	}
	if s.amqpURL, err = withVhost(amqpURL, s.name); err != nil {
		return nil, err
	}
	user, err := amqpUser(amqpURL)
	if err != nil {
		return nil, err
	}
	if _, err := rabbitmqctl(ctx, "add_vhost", s.name); err != nil {
		return nil, fmt.Errorf("create the scratch vhost (torture needs rabbitmqctl on the broker's machine, run by a user it accepts): %w", err)
	}
	s.vhost = true
	if _, err := rabbitmqctl(ctx, "set_permissions", "-p", s.name, user, ".*", ".*", ".*"); err != nil {
		return nil, err
	}
	return s, nil
}

// close drops the database (whoever is still connected), the role and the
// vhost. It runs on its own deadline, so a cancelled run still cleans up.
func (s *scratch) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if s.admin != nil {
		s.admin.Close()
	}
	var errs []error
	if s.vhost {
		if _, err := rabbitmqctl(ctx, "delete_vhost", s.name); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, serverExec(ctx, s.serverURL,
		"DROP DATABASE IF EXISTS "+s.name+" WITH (FORCE)",
		"DROP ROLE IF EXISTS "+s.name))
	return errors.Join(errs...)
}

// withApp returns the scratch role's URL naming the connecting
// application, so the faults can tell the pipeline's backends apart.
func (s *scratch) withApp(app string) string {
	u, _ := url.Parse(s.roleURL) // built by withDatabase
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}

// serverExec runs statements, in order, on the configured server's
// maintenance database (postgres: the configured one may not exist).
func serverExec(ctx context.Context, serverURL string, stmts ...string) error {
	maintenanceURL, err := withDatabase(serverURL, "postgres", "")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, maintenanceURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// withDatabase returns serverURL naming database, and user unless empty.
func withDatabase(serverURL, database, user string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("database URL %q is not a postgres:// URL", serverURL)
	}
	u.Path = "/" + database
	if user != "" {
		u.User = url.User(user)
	}
	return u.String(), nil
}

// withVhost returns amqpURL naming vhost.
func withVhost(amqpURL, vhost string) (string, error) {
	u, err := url.Parse(amqpURL)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") {
		return "", fmt.Errorf("AMQP URL %q is not an amqp:// URL", amqpURL)
	}
	u.Path = "/" + vhost
	return u.String(), nil
}

// amqpUser is the user amqpURL connects as (guest when it names none).
func amqpUser(amqpURL string) (string, error) {
	u, err := url.Parse(amqpURL)
	if err != nil {
		return "", fmt.Errorf("AMQP URL %q: %w", amqpURL, err)
	}
	if u.User == nil || u.User.Username() == "" {
		return "guest", nil
	}
	return u.User.Username(), nil
}

// rabbitmqctl runs the broker's control tool, bounded in time.
func rabbitmqctl(ctx context.Context, args ...string) (string, error) {
	return run(ctx, "rabbitmqctl", append([]string{"-q"}, args...)...)
}

// run runs a command for at most a minute and returns its output.
func run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
