package scenarios

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints results as an aligned table, then the first error each
// variant met.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tvariant\toperations\tanomalies\ttime\tanomaly")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", r.Scenario, r.Variant, r.Ops, r.Anomalies, r.Elapsed.Round(time.Millisecond), r.Anomaly)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Example != "" {
			if _, err := fmt.Fprintf(w, "%s %s, first error: %s\n", r.Scenario, r.Variant, r.Example); err != nil {
				return err
			}
		}
	}
	return nil
}

// SafeAnomalies returns the safe variants' results that show anomalies.
func SafeAnomalies(results []Result) []Result {
	var bad []Result
	for _, r := range results {
		if r.Variant == Safe && r.Anomalies > 0 {
			bad = append(bad, r)
		}
	}
	return bad
}
