package bench

import (
	"context"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// baseline is the plain watch a churn is measured against: it counts
// every Deployment change and marks those that are patches (a new value
// of churnAnnotation), with the count so far and the time.
type baseline struct {
	mu    sync.Mutex
	total int
	last  map[string]string // churnAnnotation last seen, by namespace/name
	marks []mark            // one per patch seen, in the stream's order
}

type mark struct {
	total int
	at    time.Duration
}

func (b *baseline) run(w watch.Interface, start time.Time) {
	for ev := range w.ResultChan() {
		d, ok := ev.Object.(*appsv1.Deployment)
		if !ok || ev.Type == watch.Bookmark || ev.Type == watch.Error {
			continue
		}
		at := time.Since(start)
		key, v := d.Namespace+"/"+d.Name, d.Annotations[churnAnnotation]
		b.mu.Lock()
		b.total++
		if v != "" && v != b.last[key] {
			b.last[key] = v
			b.marks = append(b.marks, mark{b.total, at})
		}
		b.mu.Unlock()
	}
}

// patchSeen is the mark of the n-th patch, if the watch has seen it.
func (b *baseline) patchSeen(n int) (mark, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.marks) < n {
		return mark{}, false
	}
	return b.marks[n-1], true
}

func (b *baseline) patches() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.marks)
}

// pollInterval bounds how precisely the time observability reached a
// count is known; each poll is a /metrics scrape, which costs it a little.
const pollInterval = 100 * time.Millisecond

// readings are observability's Deployment event counts (since a start
// value), each with its time since the churn started.
type readings struct {
	mu     sync.Mutex
	counts []int
	at     []time.Duration
	err    error
}

// run reads the count every pollInterval until ctx ends or a read fails.
func (r *readings) run(ctx context.Context, s *service, before float64, start time.Time) {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for ; ctx.Err() == nil; <-t.C {
		n, err := s.events(ctx, "Deployment")
		if ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		r.counts, r.at, r.err = append(r.counts, int(n-before)), append(r.at, time.Since(start)), err
		r.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// reached is when the count first reached n (0 if not yet) and the
// latest count.
func (r *readings) reached(n int) (time.Duration, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.counts) == 0 {
		return 0, 0, r.err
	}
	for i, c := range r.counts {
		if c >= n {
			return r.at[i], c, nil
		}
	}
	return 0, r.counts[len(r.counts)-1], r.err
}
