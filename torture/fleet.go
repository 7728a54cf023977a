package torture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Each process of the pipeline has this many PostgreSQL connections, and
// running roles get this long to stop, so a SIGTERM with work in flight
// cuts slow steps off and leaves them to the lease rescue.
const (
	processConns    = 4
	shutdownTimeout = 5 * time.Second
	// maxStarts bounds how often one process is (re)started in a run.
	maxStarts = 400
)

// fleetLayout is the pipeline as processes: name and roles of each.
var fleetLayout = []struct{ name, roles string }{
	{"api", "api"},
	{"relay-1", "relay"},
	{"relay-2", "relay"},
	{"executor-1", "executor"},
	{"executor-2", "executor"},
	{"results-1", "results"},
	{"results-2", "results"},
	{"webhooks", "webhooks"},
	{"maintenance", "maintenance"},
}

// process is one `lockstep serve` child, restarted by its supervisor
// whenever it exits until the fleet stops.
type process struct {
	name, roles string
	args        []string
	logPath     string

	mu  sync.Mutex
	cmd *exec.Cmd
	// planned is set when a fault is about to end the process, so its exit
	// is not counted as unplanned.
	planned   bool
	running   bool
	starts    int
	unplanned []string
}

// fleet runs the processes of one pipeline.
type fleet struct {
	procs   []*process
	stopped chan struct{}
	wg      sync.WaitGroup
}

// startFleet starts every process of fleetLayout from binary, logging
// into logDir, and supervises them until stop.
func startFleet(binary, logDir string, s *scratch, apiAddr string) (*fleet, error) {
	f := &fleet{stopped: make(chan struct{})}
	for _, l := range fleetLayout {
		dbURL := s.withApp("lockstep-" + l.name)
		p := &process{
			name: l.name, roles: l.roles, logPath: filepath.Join(logDir, l.name+".log"),
			args: []string{"serve", "--roles", l.roles, "--database-url", dbURL, "--amqp-url", s.amqpURL,
				"--prefix", s.name, "--listen", apiAddr, "--db-conns", fmt.Sprint(processConns),
				"--shutdown-timeout", shutdownTimeout.String(), "--outbound-allow", "127.0.0.1/32"},
		}
		f.procs = append(f.procs, p)
	}
	for _, p := range f.procs {
		p.mu.Lock()
		err := p.start(binary)
		p.mu.Unlock()
		if err != nil {
			f.stop()
			return nil, err
		}
		f.wg.Go(func() { f.supervise(binary, p) })
	}
	return f, nil
}

// start starts p; p.mu is held.
func (p *process) start(binary string) error {
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log of %s: %w", p.name, err)
	}
	defer log.Close()
	cmd := exec.Command(binary, p.args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group keeps a terminal's Ctrl-C away from it (the run
	// stops it in order), and the parent's death kills it: nothing is left
	// behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd, p.running = cmd, true
	p.starts++
	return nil
}

// supervise waits for p to exit and starts it again, after a short pause,
// until the fleet stops.
func (f *fleet) supervise(binary string, p *process) {
	for {
		p.mu.Lock()
		cmd := p.cmd
		p.mu.Unlock()
		err := cmd.Wait()
		p.mu.Lock()
		p.running = false
		if !p.planned {
			select {
			case <-f.stopped:
			default:
				p.unplanned = append(p.unplanned, fmt.Sprintf("%s exited (%v): %s", p.name, err, lastLine(p.logPath)))
			}
		}
		p.planned = false
		starts := p.starts
		p.mu.Unlock()
		if starts >= maxStarts {
			return
		}
		select {
		case <-f.stopped:
			return
		case <-time.After(200 * time.Millisecond):
		}
		for !f.restart(binary, p) {
			select {
			case <-f.stopped:
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// restart starts p again unless the fleet is stopping; false means it
// should be tried again.
func (f *fleet) restart(binary string, p *process) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-f.stopped:
		return true // stop signals what runs under this lock: nothing here
	default:
	}
	return p.start(binary) == nil
}

// signal sends sig to p as a planned fault; p's supervisor starts it
// again once it has exited. It fails when p is not running.
func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running || p.planned {
		return fmt.Errorf("%s is not running", p.name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	p.planned = true
	return nil
}

// lastLine returns the last line of a log, where serve says why it exited.
func lastLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	buf := make([]byte, 4096)
	if info, err := f.Stat(); err == nil && info.Size() > int64(len(buf)) {
		f.Seek(info.Size()-int64(len(buf)), io.SeekStart)
	}
	n, _ := io.ReadFull(f, buf)
	lines := strings.Split(strings.TrimSpace(string(buf[:n])), "\n")
	return lines[len(lines)-1]
}

// up reports whether p runs and no fault is ending it.
func (p *process) up() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running && !p.planned
}

// unplannedExits lists the exits no fault caused.
func (f *fleet) unplannedExits() []string {
	var out []string
	for _, p := range f.procs {
		p.mu.Lock()
		out = append(out, p.unplanned...)
		p.mu.Unlock()
	}
	return out
}

// stop ends every process: SIGTERM, then SIGKILL for any still running
// after the shutdown timeout and a margin. It is idempotent.
func (f *fleet) stop() error {
	select {
	case <-f.stopped:
		return nil
	default:
	}
	close(f.stopped)
	for _, p := range f.procs {
		p.mu.Lock()
		if p.running {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
		p.mu.Unlock()
	}
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(shutdownTimeout + 15*time.Second):
	}
	var errs []error
	for _, p := range f.procs {
		p.mu.Lock()
		if p.running {
			p.cmd.Process.Kill()
			errs = append(errs, fmt.Errorf("%s did not stop after SIGTERM: killed", p.name))
		}
		p.mu.Unlock()
	}
	<-done
	return errors.Join(errs...)
}

// waitReady waits, bounded by ctx, until get succeeds.
func waitReady(ctx context.Context, get func(context.Context) error) error {
	var err error
	for {
		if err = get(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pipeline not ready: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
