package history

import (
	"fmt"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Resolution is the width of a rollup interval, aligned in UTC.
type Resolution int

// The rollups, finest first.
const (
	Minute Resolution = iota
	Hour
	Day
)

// Resolutions are every rollup, finest first.
var Resolutions = []Resolution{Minute, Hour, Day}

// Duration is the width of r's intervals.
func (r Resolution) Duration() time.Duration {
	return [...]time.Duration{time.Minute, time.Hour, 24 * time.Hour}[r]
}

func (r Resolution) String() string { return [...]string{"minute", "hour", "day"}[r] }

// Values are a series' requests at one instant: CPU in millicores,
// memory and storage in bytes.
type Values struct{ CPU, Memory, Storage float64 }

// Integral is Values integrated over time: millicore-seconds and
// byte-seconds. Integrals add up across intervals, so hours and days are
// sums of minutes, exactly.
type Integral struct{ CPU, Memory, Storage float64 }

// Add adds b to a.
func (a *Integral) Add(b Integral) {
	a.CPU += b.CPU
	a.Memory += b.Memory
	a.Storage += b.Storage
}

func (v Values) times(seconds float64) Integral {
	return Integral{CPU: v.CPU * seconds, Memory: v.Memory * seconds, Storage: v.Storage * seconds}
}

// Interval is what one minute, hour or day holds: how long the service
// collected during it, and each series' integral.
type Interval struct {
	Coverage float64 // seconds
	Series   map[string]Integral
}

func (iv *Interval) add(o *Interval) {
	iv.Coverage += o.Coverage
	if iv.Series == nil {
		iv.Series = map[string]Integral{}
	}
	for k, v := range o.Series {
		s := iv.Series[k]
		s.Add(v)
		iv.Series[k] = s
	}
}

// Accumulator integrates samples into minutes. Each sample's values are
// taken to hold until the next sample; a gap longer than MaxGap (the
// service was stopped or stalled) or a clock that went back adds nothing,
// so that time shows as not observed rather than guessed.
type Accumulator struct {
	MaxGap  time.Duration
	last    time.Time
	prev    map[string]Values
	Pending map[int64]*Interval // by minute start, unix seconds
}

// Sample records the values of every series at now.
func (a *Accumulator) Sample(now time.Time, values map[string]Values) {
	if !a.last.IsZero() && now.After(a.last) && now.Sub(a.last) <= a.MaxGap {
		a.integrate(a.last, now)
	}
	a.last, a.prev = now, values
}

// integrate adds prev over [from, to), split at minute boundaries.
func (a *Accumulator) integrate(from, to time.Time) {
	if a.Pending == nil {
		a.Pending = map[int64]*Interval{}
	}
	for s := from; s.Before(to); {
		m := s.Truncate(time.Minute)
		e := minTime(m.Add(time.Minute), to)
		secs := e.Sub(s).Seconds()
		iv := a.Pending[m.Unix()]
		if iv == nil {
			iv = &Interval{Series: map[string]Integral{}}
			a.Pending[m.Unix()] = iv
		}
		iv.Coverage += secs
		for k, v := range a.prev {
			if v == (Values{}) {
				continue // zero usage costs no storage
			}
			s := iv.Series[k]
			s.Add(v.times(secs))
			iv.Series[k] = s
		}
		s = e
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Take returns the pending minutes and starts afresh.
func (a *Accumulator) Take() map[int64]*Interval {
	p := a.Pending
	a.Pending = nil
	return p
}

// Rollup folds minutes into r's intervals, keeping only key's series.
func Rollup(minutes map[int64]*Interval, r Resolution, key string) map[int64]*Interval {
	out := map[int64]*Interval{}
	for m, iv := range minutes {
		t := time.Unix(m, 0).UTC().Truncate(r.Duration()).Unix()
		o := out[t]
		if o == nil {
			o = &Interval{Series: map[string]Integral{}}
			out[t] = o
		}
		one := &Interval{Coverage: iv.Coverage}
		if v, ok := iv.Series[key]; ok {
			one.Series = map[string]Integral{key: v}
		}
		o.add(one)
	}
	return out
}

// MaxPoints bounds one query's answer.
const MaxPoints = 10000

// Query is a validated history request: points of Step from Start (
// aligned to Resolution) up to End, read from Resolution's rollups.
type Query struct {
	Start, End time.Time
	Step       time.Duration
	Resolution Resolution
	Count      int
}

// Plan validates a range and step; bad input names its field.
func Plan(start, end time.Time, step time.Duration) (Query, error) {
	switch {
	case step <= 0:
		return Query{}, apierror.InvalidArgument("step", "must be positive")
	case step%time.Minute != 0:
		return Query{}, apierror.InvalidArgument("step", "must be a whole number of minutes")
	case !end.After(start):
		return Query{}, apierror.InvalidArgument("end_time", "must be after start_time")
	}
	q := Query{End: end, Step: step, Resolution: Minute}
	switch {
	case step%(24*time.Hour) == 0:
		q.Resolution = Day
	case step%time.Hour == 0:
		q.Resolution = Hour
	}
	q.Start = start.UTC().Truncate(q.Resolution.Duration())
	span := end.Sub(q.Start)
	n := span / step
	if span%step != 0 {
		n++
	}
	if n > MaxPoints {
		return Query{}, apierror.InvalidArgument("step", fmt.Sprintf("the range needs %d points of this step, more than %d: use a longer step or a shorter range", n, MaxPoints))
	}
	q.Count = int(n)
	return q, nil
}

// Point is one step of a history.
type Point struct {
	Start    time.Time
	Observed float64 // seconds
	Integral Integral
}

// Points sums intervals (of q.Resolution, for one series) into q's steps.
func (q Query) Points(intervals map[int64]*Interval, key string) []Point {
	out := make([]Point, q.Count)
	for i := range out {
		out[i].Start = q.Start.Add(time.Duration(i) * q.Step)
	}
	for t, iv := range intervals {
		at := time.Unix(t, 0)
		if at.Before(q.Start) || !at.Before(q.End) {
			continue
		}
		i := int(at.Sub(q.Start) / q.Step)
		if i >= len(out) {
			continue
		}
		out[i].Observed += iv.Coverage
		out[i].Integral.Add(iv.Series[key])
	}
	return out
}

// Average is the mean of p's values over its observed time.
func (p Point) Average() Values {
	if p.Observed == 0 {
		return Values{}
	}
	return Values{CPU: p.Integral.CPU / p.Observed, Memory: p.Integral.Memory / p.Observed, Storage: p.Integral.Storage / p.Observed}
}
