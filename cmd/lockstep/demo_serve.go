package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// pipelineProcess is a `lockstep serve` child the demo started.
type pipelineProcess struct {
	cmd    *exec.Cmd
	exited chan error
	apiURL string
	log    *os.File
}

// startPipeline runs `lockstep serve` with every role on a free local port,
// logging to logPath, and waits until its /healthz answers.
func startPipeline(ctx context.Context, dbURL, amqpURL, prefix, logPath string) (*pipelineProcess, error) {
	addr, err := freeLocalAddr()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create serve log: %w", err)
	}
	// Not CommandContext: on Ctrl-C the child gets the signal from the
	// terminal too, and stop() waits for its graceful exit.
	cmd := exec.Command(self, "serve", "--database-url", dbURL, "--amqp-url", amqpURL,
		"--prefix", prefix, "--listen", addr, "--roles", strings.Join(roleNames(), ","))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start lockstep serve: %w", err)
	}
	p := &pipelineProcess{cmd: cmd, exited: make(chan error, 1), apiURL: "http://" + addr, log: logFile}
	go func() { p.exited <- cmd.Wait() }()
	if err := p.waitHealthy(ctx, 30*time.Second); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w (see %s)", err, logPath)
	}
	return p, nil
}

// waitHealthy polls /healthz until it answers 200, the child exits or the
// limit passes.
func (p *pipelineProcess) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiURL+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			return fmt.Errorf("lockstep serve exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lockstep serve not healthy after %s", limit)
		}
	}
}

// stop asks the child to shut down gracefully (SIGTERM) and kills it if it
// has not exited after a while.
func (p *pipelineProcess) stop() error {
	defer p.log.Close()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal lockstep serve: %w", err)
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		return fmt.Errorf("lockstep serve did not stop within 30s; killed: %v", <-p.exited)
	}
}

func freeLocalAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
