// Package bench holds what Landlord's benchmarks (run by `make bench`)
// share and knows no service: result rows and latency statistics, a ghz
// runner, CPU accounting from /proc, service binaries run as processes
// with their /metrics, the dev cluster's start times and the API server's
// raw client-go create throughput. Each service's own benchmarks live
// beside it (services/<service>/bench) and build on these.
//
// Every benchmark measures a Landlord path against the physical limit next
// to it, measured in the same run on the same machine, and prints both and
// their ratio: absolute numbers from these shared machines are not
// comparable between runs, ratios are.
package bench

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Latencies collects call durations.
type Latencies []time.Duration

// Quantile returns the q-quantile (0..1) of the recorded durations.
func (l Latencies) Quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	sorted := slices.Clone(l)
	slices.Sort(sorted)
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// Row prints one aligned result line.
func Row(w io.Writer, name, value string) {
	fmt.Fprintf(w, "  %-34s %s\n", name, value)
}

// Ms formats d in milliseconds, for a row.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
