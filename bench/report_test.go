package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list    string
		want    string // parts joined, or the error's substring
		wantErr bool
	}{
		{"", strings.Join(Parts, ","), false},
		{"all", strings.Join(Parts, ","), false},
		{"io, chains", "io,chains", false},
		{"chains,chains", "chains", false},
		{"chains,bogus", `unknown part "bogus"`, true},
	}
	for _, tt := range tests {
		parts, err := ParseParts(tt.list)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseParts(%q) error = %v, want %q", tt.list, err, tt.want)
			}
			continue
		}
		if err != nil || strings.Join(parts, ",") != tt.want {
			t.Errorf("ParseParts(%q) = %v, %v; want %s", tt.list, parts, err, tt.want)
		}
	}
}

// fullReport is a report of every part, River included.
func fullReport() Report {
	rate := func(n int64, d time.Duration) *Rate { return &Rate{Count: n, Elapsed: d} }
	pipeline := func(n int64, d time.Duration) *PipelineResult {
		return &PipelineResult{Steps: *rate(n, d), Statements: []StatementStats{{Name: "commit", Count: n / 10, Time: d / 10}}}
	}
	river := func(n int64, d time.Duration) *RiverResult { return &RiverResult{Steps: *rate(n, d)} }
	return Report{
		Options: Options{
			Chains: PipelineOptions{Jobs: 2000, Steps: 3, Handler: "uppercase"}, IOJobs: 1000, IOSleep: 100 * time.Millisecond,
			BurndownJobs: 20000, LatencyJobs: 500, LatencyRate: 100, River: "bin/river-bench",
		},
		CPUs:          2,
		Commit:        &CommitRateResult{Pgbench: rate(70000, 10*time.Second), GoLoop: rate(60000, 10*time.Second), ServerVersion: "15"},
		Broker:        &BrokerResult{Publish: *rate(20000, 2*time.Second), Consume: *rate(20000, time.Second), ServerVersion: "3.10"},
		Chains:        pipeline(6000, 5*time.Second),
		RiverChains:   river(6000, 6*time.Second),
		IO:            pipeline(1000, 1200*time.Millisecond),
		RiverIO:       river(1000, 1100*time.Millisecond),
		Burndown:      pipeline(20000, 2*time.Second),
		RiverBurndown: river(20000, time.Second),
		Latency:       &LatencyResult{Tasks: 500, StartedP50: 3 * time.Millisecond, StartedP99: 20 * time.Millisecond, DoneP50: 8 * time.Millisecond, DoneP99: 40 * time.Millisecond},
		Submit:        rate(2000, 2*time.Second),
		Retention: &RetentionResult{Delivered: 900, Samples: []RetentionSample{
			{At: 0}, {At: 10 * time.Second, Jobs: 300, Outbox: 1800, Inbox: 300, Events: 900, Deliveries: 900, Attempts: 900},
		}},
	}
}

func TestFiguresHaveEveryKey(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := fullReport().WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.Bytes())
	}
	want := map[string]float64{
		"pgbench_tps":                  7000,
		"chains.lockstep_steps_per_s":  1200,
		"chains.river_steps_per_s":     1000,
		"io.lockstep_makespan_s":       1.2,
		"io.river_makespan_s":          1.1,
		"burndown.lockstep_jobs_per_s": 10000,
		"burndown.river_jobs_per_s":    20000,
		"latency.p50_ms":               3,
		"latency.p99_ms":               20,
		"submit.api_jobs_per_s":        1000,
		"broker.publish_confirm_per_s": 10000,
		"broker.consume_ack_per_s":     20000,
	}
	if samples, _ := got["retention"].([]any); len(samples) != 2 {
		t.Errorf("retention = %v, want the two samples", got["retention"])
	} else if last, _ := samples[1].(map[string]any); last["webhook_queue"] != float64(900) || last["jobs"] != float64(300) {
		t.Errorf("last retention sample = %v", last)
	}
	for key, value := range want {
		var v any = got
		for name := range strings.SplitSeq(key, ".") {
			object, _ := v.(map[string]any)
			v = object[name]
		}
		if n, ok := v.(float64); !ok || n != value {
			t.Errorf("%s = %v, want %v", key, v, value)
		}
	}
}

func TestFiguresLeaveOutWhatDidNotRun(t *testing.T) {
	t.Parallel()
	r := fullReport()
	r.Options.River, r.RiverChains, r.RiverIO, r.RiverBurndown = "", nil, nil, nil
	r.Commit, r.Submit = nil, nil
	var out bytes.Buffer
	if err := r.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"pgbench_tps", "river_", "submit"} {
		if strings.Contains(out.String(), absent) {
			t.Errorf("figures name %q: %s", absent, out.Bytes())
		}
	}
	if !strings.Contains(out.String(), `"lockstep_steps_per_s":1200`) {
		t.Errorf("figures lack the chains' rate: %s", out.Bytes())
	}
}

func TestTableShowsRatios(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := fullReport().WriteTable(&out, true); err != nil {
		t.Fatal(err)
	}
	// Columns are padded; compare with single spaces.
	table := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"1,200 1,000 steps/s 1.20x 0.17x",  // chains: to River, to pgbench
		"1.20 1.10 s 1.09x",                // io makespan to River's
		"10,000 20,000 jobs/s 0.50x 1.43x", // burndown
		"3.0 / 20.0 - ms",                  // latency
		"1,000 - jobs/s 0.14x",             // submit
		"at jobs outbox inbox events webhook_queue webhook_deliveries 0s 0 0 0 0 0 0 10s 300 1800 300 900 900 900", // retention
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// A run of the retention part alone prints its samples and no empty
// comparison with River.
func TestTableOfRetentionAlone(t *testing.T) {
	t.Parallel()
	full := fullReport()
	r := Report{Options: Options{Retention: RetentionOptions{Rate: 30, Duration: time.Minute}}, CPUs: 2, Retention: full.Retention}
	var out bytes.Buffer
	if err := r.WriteTable(&out, false); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"River", "river:"} {
		if strings.Contains(out.String(), absent) {
			t.Errorf("table mentions %q:\n%s", absent, out.String())
		}
	}
	if !strings.Contains(out.String(), "retention: one-step jobs at 30/s") {
		t.Errorf("table lacks the retention part:\n%s", out.String())
	}
}
