package torture

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// examplesPerKind bounds the anomalies the table shows of each kind.
const examplesPerKind = 5

// PrintTable writes the run's figures and anomalies as a table.
func (r Result) PrintTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what string, n int, detail string) { fmt.Fprintf(tw, "%s\t%d\t%s\n", what, n, detail) }
	fmt.Fprintf(tw, "WHAT\tN\tDETAIL\n")
	row("faults", r.FaultTotal(), joinCounts(r.Faults))
	row("fault errors", len(r.FaultErrors), first(r.FaultErrors))
	row("unplanned exits", len(r.UnplannedExits), "")
	for _, exit := range r.UnplannedExits {
		fmt.Fprintf(tw, "  exit\t\t%s\n", exit)
	}
	t := r.Tally
	row("jobs", t.jobs, joinCounts(t.byStatus))
	row("submissions", r.Ledger.Answered, fmt.Sprintf("%d keys, %d duplicate posts, %d never answered", r.Ledger.Keys, r.Ledger.Duplicates, r.Ledger.Refused))
	row("stops", r.Ledger.Stopped, fmt.Sprintf("%d came after the job ended", r.Ledger.StopLate))
	row("events", t.events, fmt.Sprintf("healthy receiver: %d events in %d deliveries; failing: %d requests; hanging: %d requests",
		r.Receivers.HealthyEvents, r.Receivers.HealthyDeliveries, r.Receivers.Failing, r.Receivers.Hanging))
	row("task messages", t.taskMessages, fmt.Sprintf("%d claimed, %d dropped (job stopped first)", t.taskClaimed, t.taskDropped))
	row("result messages", t.resultsInbox+t.resultsDead, fmt.Sprintf("%d applied, %d dead-lettered", t.resultsInbox, t.resultsDead))
	row("malformed sent", r.Probes, fmt.Sprintf("%d found dead-lettered (%d dead letters)", t.probesMatched, t.deadProbes))
	drained := "drained in " + r.DrainTime.Round(100*1e6).String()
	if !r.Drained {
		drained = "NOT drained within " + drainLimit.String()
	}
	row("anomalies", len(r.Anomalies), drained)
	for _, kind := range slices.Sorted(maps.Keys(r.anomaliesByKind())) {
		shown := 0
		for _, a := range r.Anomalies {
			if a.Kind == kind && shown < examplesPerKind {
				fmt.Fprintf(tw, "  %s\t\t%s\n", kind, a.Detail)
				shown++
			}
		}
	}
	return tw.Flush()
}

func (r Result) anomaliesByKind() map[string]int {
	m := map[string]int{}
	for _, a := range r.Anomalies {
		m[a.Kind]++
	}
	return m
}

// JSON is the one-line summary --json prints last, in the documented key
// order: {"faults": N, "faults_by_kind": {...}, "jobs": N, "anomalies": N,
// "anomalies_by_kind": {...}, "malformed_sent": N, "malformed_dead_lettered": N}.
func (r Result) JSON() string {
	return fmt.Sprintf(`{"faults": %d, "faults_by_kind": %s, "jobs": %d, "anomalies": %d, "anomalies_by_kind": %s, "malformed_sent": %d, "malformed_dead_lettered": %d}`,
		r.FaultTotal(), jsonCounts(r.Faults), r.Tally.jobs, len(r.Anomalies), jsonCounts(r.anomaliesByKind()),
		r.Probes, r.Tally.probesMatched)
}

// jsonCounts writes counts as a JSON object with sorted keys.
func jsonCounts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, strconv.Quote(k)+": "+strconv.Itoa(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func joinCounts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%s (and %d more)", lines[0], len(lines)-1)
}
