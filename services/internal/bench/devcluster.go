package bench

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/landlord-dev/landlord/services/internal/devclusterproc"
)

// DevclusterStart starts a dev cluster on an empty state directory (cold),
// stops it, and starts it again on the same state (warm), printing both
// times from process start to a usable cluster and their ratio.
func DevclusterStart(w io.Writer) error {
	dir, err := os.MkdirTemp("", "landlord-bench-devcluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var times []time.Duration
	for range 2 {
		c, err := devclusterproc.Start(dir)
		if err != nil {
			return err
		}
		times = append(times, c.Ready)
		c.Stop()
	}
	Row(w, "cold start (empty state dir)", times[0].Round(10*time.Millisecond).String())
	Row(w, "warm start (existing state)", times[1].Round(10*time.Millisecond).String())
	Row(w, "warm / cold", fmt.Sprintf("%.2f", times[1].Seconds()/times[0].Seconds()))
	return nil
}
