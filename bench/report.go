package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Figures is the report as one JSON object (`lockstep bench --json`). A
// part that did not run, or River when it was skipped, is left out.
type Figures struct {
	PgbenchTPS *float64         `json:"pgbench_tps,omitempty"`
	GoLoopTPS  *float64         `json:"go_loop_tps,omitempty"`
	Broker     *BrokerFigures   `json:"broker,omitempty"`
	Chains     *ChainsFigures   `json:"chains,omitempty"`
	IO         *IOFigures       `json:"io,omitempty"`
	Burndown   *BurndownFigures `json:"burndown,omitempty"`
	Latency    *LatencyFigures  `json:"latency,omitempty"`
	Submit     *SubmitFigures   `json:"submit,omitempty"`
	// Retention is every sample of the retention part.
	Retention []RetentionSample `json:"retention,omitempty"`
}

// BrokerFigures are the broker's ceilings, messages a second.
type BrokerFigures struct {
	PublishConfirmPerS float64 `json:"publish_confirm_per_s"`
	ConsumeAckPerS     float64 `json:"consume_ack_per_s"`
}

// ChainsFigures compare multi-step no-op jobs, steps a second.
type ChainsFigures struct {
	LockstepStepsPerS float64  `json:"lockstep_steps_per_s"`
	RiverStepsPerS    *float64 `json:"river_steps_per_s,omitempty"`
}

// IOFigures compare the makespans of one-step sleeping jobs, seconds.
type IOFigures struct {
	LockstepMakespanS float64  `json:"lockstep_makespan_s"`
	RiverMakespanS    *float64 `json:"river_makespan_s,omitempty"`
}

// BurndownFigures compare burning down enqueued jobs, jobs a second.
type BurndownFigures struct {
	LockstepJobsPerS float64  `json:"lockstep_jobs_per_s"`
	RiverJobsPerS    *float64 `json:"river_jobs_per_s,omitempty"`
}

// LatencyFigures are the pipeline's latencies at a light rate,
// milliseconds: queued -> started, and created -> done.
type LatencyFigures struct {
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	DoneP50MS float64 `json:"done_p50_ms"`
	DoneP99MS float64 `json:"done_p99_ms"`
}

// SubmitFigures are what POST /jobs accepts, jobs a second.
type SubmitFigures struct {
	APIJobsPerS float64 `json:"api_jobs_per_s"`
}

// Figures returns the report's numbers, rates to 0.1, seconds to 1 ms.
func (r Report) Figures() Figures {
	var f Figures
	if c := r.Commit; c != nil {
		f.PgbenchTPS, f.GoLoopTPS = perSecondOrNil(c.Pgbench), perSecondOrNil(c.GoLoop)
	}
	if b := r.Broker; b != nil {
		f.Broker = &BrokerFigures{PublishConfirmPerS: perSecond(b.Publish), ConsumeAckPerS: perSecond(b.Consume)}
	}
	if r.Chains != nil {
		f.Chains = &ChainsFigures{LockstepStepsPerS: perSecond(r.Chains.Steps), RiverStepsPerS: riverPerSecond(r.RiverChains)}
	}
	if r.IO != nil {
		f.IO = &IOFigures{LockstepMakespanS: roundTo(r.IO.Steps.Elapsed.Seconds(), 3)}
		if r.RiverIO != nil {
			s := roundTo(r.RiverIO.Steps.Elapsed.Seconds(), 3)
			f.IO.RiverMakespanS = &s
		}
	}
	if r.Burndown != nil {
		f.Burndown = &BurndownFigures{LockstepJobsPerS: perSecond(r.Burndown.Steps), RiverJobsPerS: riverPerSecond(r.RiverBurndown)}
	}
	if l := r.Latency; l != nil {
		f.Latency = &LatencyFigures{P50MS: milliseconds(l.StartedP50), P99MS: milliseconds(l.StartedP99),
			DoneP50MS: milliseconds(l.DoneP50), DoneP99MS: milliseconds(l.DoneP99)}
	}
	if r.Submit != nil {
		f.Submit = &SubmitFigures{APIJobsPerS: perSecond(*r.Submit)}
	}
	if r.Retention != nil {
		f.Retention = r.Retention.Samples
	}
	return f
}

// WriteJSON writes Figures as one line.
func (r Report) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(r.Figures())
}

func roundTo(v float64, digits int) float64 {
	scale := math.Pow10(digits)
	return math.Round(v*scale) / scale
}

func perSecond(r Rate) float64 { return roundTo(r.PerSecond(), 1) }

func perSecondOrNil(r *Rate) *float64 {
	if r == nil {
		return nil
	}
	v := perSecond(*r)
	return &v
}

func riverPerSecond(r *RiverResult) *float64 {
	if r == nil {
		return nil
	}
	return perSecondOrNil(&r.Steps)
}

func milliseconds(d time.Duration) float64 { return roundTo(d.Seconds()*1000, 2) }

// WriteTable writes the figures for people: the ceilings with their ratio
// to the commit rate, then each pipeline part beside River's run of the
// same shape, then how each run went. profile adds the roles' statements
// per step by kind.
func (r Report) WriteTable(w io.Writer, profile bool) error {
	o := r.Options
	header := fmt.Sprintf("lockstep bench: %d CPUs", r.CPUs)
	if r.Commit != nil {
		header += ", PostgreSQL " + r.Commit.ServerVersion
	}
	if r.Broker != nil {
		header += ", RabbitMQ " + r.Broker.ServerVersion
	}
	fmt.Fprintf(w, "%s, %s\n\n", header, r.At.Format(time.DateTime))

	// The reference is pgbench's rate when it ran, else the Go loop's.
	var reference *Rate
	if r.Commit != nil {
		reference = r.Commit.GoLoop
		if r.Commit.Pgbench != nil {
			reference = r.Commit.Pgbench
		}
	}
	ofReference := func(rate Rate) string {
		if reference == nil {
			return ""
		}
		return fmt.Sprintf("%.2fx", rate.PerSecond()/reference.PerSecond())
	}

	var rows [][]string
	row := func(cells ...string) { rows = append(rows, cells) }
	if r.Commit != nil || r.Broker != nil {
		row("ceilings", "rate", "", "", "", "/ pgbench")
		update := fmt.Sprintf("1 UPDATE n = n + 1 per tx, %d clients, %s", o.Commit.Clients, o.Commit.Duration)
		if c := r.Commit; c != nil && c.Pgbench != nil {
			row("PostgreSQL, pgbench: "+update, thousands(c.Pgbench.PerSecond()), "tx/s", "", "", ofReference(*c.Pgbench))
		}
		if c := r.Commit; c != nil && c.GoLoop != nil {
			row("PostgreSQL, Go/pgx loop: "+update, thousands(c.GoLoop.PerSecond()), "tx/s", "", "", ofReference(*c.GoLoop))
		}
		if b := r.Broker; b != nil {
			row(fmt.Sprintf("RabbitMQ: %d persistent publishes, confirms, window %d", b.Publish.Count, o.Broker.Window),
				thousands(b.Publish.PerSecond()), "msg/s", "", "", ofReference(b.Publish))
			row(fmt.Sprintf("RabbitMQ: consume them, manual ack each, prefetch %d", o.Broker.Window),
				thousands(b.Consume.PerSecond()), "msg/s", "", "", ofReference(b.Consume))
		}
		row()
	}
	pipelineRan := r.Chains != nil || r.IO != nil || r.Burndown != nil || r.Latency != nil || r.Submit != nil
	if pipelineRan {
		row("lockstep beside River", "lockstep", "River", "", "lockstep/River", "/ pgbench")
	}
	river := func(r *RiverResult, value func(Rate) string) string {
		if r == nil {
			return "-"
		}
		return value(r.Steps)
	}
	ratio := func(lockstep float64, r *RiverResult, value func(Rate) float64) string {
		if r == nil {
			return ""
		}
		return fmt.Sprintf("%.2fx", lockstep/value(r.Steps))
	}
	rate := func(rate Rate) string { return thousands(rate.PerSecond()) }
	perS := func(rate Rate) float64 { return rate.PerSecond() }
	makespan := func(rate Rate) string { return fmt.Sprintf("%.2f", rate.Elapsed.Seconds()) }
	elapsed := func(rate Rate) float64 { return rate.Elapsed.Seconds() }
	slots := o.Chains.Executor.HandlerSlots
	if p := r.Chains; p != nil {
		row(fmt.Sprintf("chains: %d jobs x %d %s steps", o.Chains.Jobs, o.Chains.Steps, o.Chains.Handler),
			rate(p.Steps), river(r.RiverChains, rate), "steps/s", ratio(p.Steps.PerSecond(), r.RiverChains, perS), ofReference(p.Steps))
	}
	if p := r.IO; p != nil {
		row(fmt.Sprintf("io: %d jobs sleeping %s, %d slots (River workers), makespan", o.IOJobs, o.IOSleep, slots),
			makespan(p.Steps), river(r.RiverIO, makespan), "s", ratio(p.Steps.Elapsed.Seconds(), r.RiverIO, elapsed), "")
	}
	if p := r.Burndown; p != nil {
		row(fmt.Sprintf("burndown: %d one-step %s jobs enqueued first", o.BurndownJobs, o.Chains.Handler),
			rate(p.Steps), river(r.RiverBurndown, rate), "jobs/s", ratio(p.Steps.PerSecond(), r.RiverBurndown, perS), ofReference(p.Steps))
	}
	if l := r.Latency; l != nil {
		row(fmt.Sprintf("latency: %d jobs at %d/s, queued -> started p50 / p99", o.LatencyJobs, o.LatencyRate),
			fmt.Sprintf("%.1f / %.1f", milliseconds(l.StartedP50), milliseconds(l.StartedP99)), "-", "ms", "", "")
		row("  created -> job done p50 / p99",
			fmt.Sprintf("%.1f / %.1f", milliseconds(l.DoneP50), milliseconds(l.DoneP99)), "-", "ms", "", "")
	}
	if s := r.Submit; s != nil {
		row(fmt.Sprintf("submit: POST /jobs, %d clients, API pool %d", o.Submit.Clients, o.Submit.PoolSize),
			rate(*s), "-", "jobs/s", "", ofReference(*s))
	}
	writeColumns(w, rows)

	fmt.Fprintln(w)
	for _, run := range []struct {
		name     string
		lockstep *PipelineResult
		river    *RiverResult
		clock    string
	}{
		{"chains", r.Chains, r.RiverChains, "from first submit to last job done"},
		{"io", r.IO, r.RiverIO, "from first submit to last job done"},
		{"burndown", r.Burndown, r.RiverBurndown, "from the roles' start to last job done"},
	} {
		if run.lockstep != nil {
			writeRun(w, run.name, *run.lockstep, run.clock, profile)
		}
		if run.river != nil {
			fmt.Fprintf(w, "  river: %s (inserting took %s)\n", run.river.Steps.Elapsed.Round(time.Millisecond), run.river.Submitted.Round(time.Millisecond))
		}
	}
	if r.Chains != nil || r.IO != nil || r.Burndown != nil || r.Latency != nil {
		c := o.Chains
		fmt.Fprintf(w, "roles: prefetch %d, workers %d per role, max batch %d, linger %s, relay batch %d, relay poll %s, pool %d, handler slots %d, %d submitters\n",
			c.Consumers.Prefetch, c.Consumers.Workers, c.Consumers.MaxBatch, c.Consumers.BatchLinger,
			c.Relay.BatchSize, c.Relay.PollInterval, c.PoolSize, slots, c.Submitters)
	}
	if rt := r.Retention; rt != nil {
		writeRetention(w, o.Retention, *rt)
	}
	switch {
	case o.River == "" && pipelineRan:
		fmt.Fprintln(w, "river: skipped (give --river bin/river-bench; make bench does)")
	case r.RiverChains != nil || r.RiverIO != nil || r.RiverBurndown != nil:
		fmt.Fprintf(w, "river: %d workers (as many as handler slots), pool %d, fetch cooldown %s in io and burndown, River's defaults otherwise\n",
			slots, o.Chains.PoolSize, o.RiverFetchCooldown)
	}
	return nil
}

// writeRun says how a pipeline run went: its time, the statements the
// roles sent per step and, with profile, by kind.
func writeRun(w io.Writer, name string, p PipelineResult, clock string, profile bool) {
	steps := float64(p.Steps.Count)
	var statements, commits int64
	var dbTime time.Duration
	for _, k := range p.Statements {
		statements += k.Count
		dbTime += k.Time
		if k.Name == "commit" {
			commits = k.Count
		}
	}
	perStep := func(d time.Duration) time.Duration {
		return (time.Duration(float64(d) / steps)).Round(10 * time.Microsecond)
	}
	fmt.Fprintf(w, "%s: %s %s (submitting took %s);\n  the roles sent %.1f statements and %.2f commits per step, %s per step in the database\n",
		name, p.Steps.Elapsed.Round(time.Millisecond), clock, p.Submitted.Round(time.Millisecond),
		float64(statements)/steps, float64(commits)/steps, perStep(dbTime))
	if !profile {
		return
	}
	fmt.Fprintln(w, "  statement                      per step   time/step   mean")
	for _, k := range p.Statements {
		fmt.Fprintf(w, "  %-28s %10.2f %11s %6s\n", k.Name, float64(k.Count)/steps, perStep(k.Time),
			(k.Time / time.Duration(k.Count)).Round(time.Microsecond))
	}
}

// writeRetention writes the retention part's samples, one row each.
func writeRetention(w io.Writer, o RetentionOptions, r RetentionResult) {
	fmt.Fprintf(w, "retention: one-step jobs at %d/s for %s, outbox, inbox and finished jobs' events kept %s, pruned every %s; %d webhook requests answered\n",
		o.Rate, o.Duration, o.Retention, o.MaintenanceInterval, r.Delivered)
	rows := [][]string{{"  at", "jobs", "outbox", "inbox", "events", "webhook_queue", "webhook_deliveries"}}
	for _, s := range r.Samples {
		rows = append(rows, []string{"  " + s.At.Round(time.Second).String(), fmt.Sprint(s.Jobs), fmt.Sprint(s.Outbox),
			fmt.Sprint(s.Inbox), fmt.Sprint(s.Events), fmt.Sprint(s.Deliveries), fmt.Sprint(s.Attempts)})
	}
	writeColumns(w, rows)
}

// writeColumns writes rows as columns two spaces apart: the first
// (measure) and the fourth (unit) aligned left, the numbers right.
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, cells := range rows {
		for i, c := range cells {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, cells := range rows {
		var line strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i == 0 || i == 3 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

// thousands formats a rate with thousands separators, no decimals.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
