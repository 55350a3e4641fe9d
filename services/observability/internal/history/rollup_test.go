package history

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Each sample holds until the next; an interval is split at minute
// boundaries; zero series cost nothing but the time still counts.
func TestAccumulatorSplitsSamplesAtMinuteBoundaries(t *testing.T) {
	a := Accumulator{MaxGap: 2 * time.Minute}
	a.Sample(at(30*time.Second), map[string]Values{"t/": {CPU: 1000, Memory: 1 << 30}, "idle/": {}})
	a.Sample(at(90*time.Second), map[string]Values{"t/": {CPU: 2000}})
	a.Sample(at(150*time.Second), map[string]Values{"t/": {CPU: 4000}})
	p := a.Take()
	want := []struct {
		minute      time.Duration
		coverage    float64
		cpu, memory float64
	}{
		{0, 30, 30 * 1000, 30 << 30},
		{time.Minute, 60, 30*1000 + 30*2000, 30 << 30},
		{2 * time.Minute, 30, 30 * 2000, 0},
	}
	for _, w := range want {
		iv := p[at(w.minute).Unix()]
		if iv == nil {
			t.Fatalf("minute %v missing", w.minute)
		}
		if !near(iv.Coverage, w.coverage) || !near(iv.Series["t/"].CPU, w.cpu) || !near(iv.Series["t/"].Memory, w.memory) {
			t.Errorf("minute %v: %+v, want coverage %v cpu %v memory %v", w.minute, iv, w.coverage, w.cpu, w.memory)
		}
		if _, ok := iv.Series["idle/"]; ok {
			t.Errorf("minute %v stores a zero series", w.minute)
		}
	}
	if len(a.Take()) != 0 {
		t.Error("Take did not start afresh")
	}
}

// A stall longer than MaxGap, or a clock that goes back, is not observed.
func TestAccumulatorSkipsGapsAndClockJumps(t *testing.T) {
	a := Accumulator{MaxGap: 30 * time.Second}
	v := map[string]Values{"t/": {CPU: 1000}}
	a.Sample(at(0), v)
	a.Sample(at(10*time.Second), v)               // +10 s
	a.Sample(at(5*time.Minute), v)                // a gap: nothing
	a.Sample(at(4*time.Minute), v)                // back in time: nothing
	a.Sample(at(4*time.Minute+20*time.Second), v) // +20 s
	var cov, cpu float64
	for _, iv := range a.Take() {
		cov += iv.Coverage
		cpu += iv.Series["t/"].CPU
	}
	if !near(cov, 30) || !near(cpu, 30*1000) {
		t.Errorf("coverage %v s, cpu %v millicore-s; want 30 s and 30,000", cov, cpu)
	}
}

// Two cores requested for an hour are 2 core-hours, averaged as 2 cores,
// whether read from minutes or from the hour they roll up into.
func TestRollupAndPointsGiveResourceHours(t *testing.T) {
	a := Accumulator{MaxGap: time.Minute}
	for s := time.Duration(0); s <= time.Hour; s += 15 * time.Second {
		a.Sample(at(s), map[string]Values{"t/": {CPU: 2000, Memory: 3 << 30, Storage: 10 << 30}})
	}
	minutes := a.Take()
	for _, c := range []struct {
		step time.Duration
		res  Resolution
	}{{time.Hour, Hour}, {2 * time.Hour, Hour}, {24 * time.Hour, Day}} {
		q, err := Plan(t0, t0.Add(time.Hour), c.step)
		if err != nil || q.Resolution != c.res {
			t.Fatalf("plan step %v: %+v, %v; want resolution %v", c.step, q, err, c.res)
		}
		points := q.Points(Rollup(minutes, q.Resolution, "t/"), "t/")
		if len(points) != 1 {
			t.Fatalf("step %v: %d points, want 1", c.step, len(points))
		}
		p := points[0]
		avg := p.Average()
		if !near(p.Observed, 3600) || !near(avg.CPU, 2000) || !near(avg.Memory, 3<<30) || !near(p.Integral.CPU/1000/3600, 2) ||
			!near(p.Integral.Storage/(1<<30)/3600, 10) {
			t.Errorf("step %v: %+v average %+v; want 3600 s observed, 2 cores, 2 core-hours, 10 GiB-hours", c.step, p, avg)
		}
	}
	// Per minute: 60 points, each 60 s at 2 cores, the last partly empty.
	q, err := Plan(t0, t0.Add(time.Hour+30*time.Second), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	points := q.Points(minutes, "t/")
	if len(points) != 61 || !near(points[0].Observed, 60) || !near(points[59].Average().CPU, 2000) || points[60].Observed != 0 {
		t.Errorf("per minute: %d points, first %+v, last %+v", len(points), points[0], points[len(points)-1])
	}
}

func TestPlanRefusesBadRanges(t *testing.T) {
	for _, c := range []struct {
		name       string
		start, end time.Time
		step       time.Duration
		field      string
	}{
		{"zero step", at(0), at(time.Hour), 0, "step"},
		{"negative step", at(0), at(time.Hour), -time.Minute, "step"},
		{"step not whole minutes", at(0), at(time.Hour), 90 * time.Second, "step"},
		{"inverted range", at(time.Hour), at(0), time.Minute, "end_time"},
		{"empty range", at(0), at(0), time.Minute, "end_time"},
		{"too many points", at(0), at(10001 * time.Minute), time.Minute, "step"},
		{"centuries per minute", time.Unix(0, 0), at(0), time.Minute, "step"},
	} {
		_, err := Plan(c.start, c.end, c.step)
		var invalid *apierror.InvalidArgumentError
		if !errors.As(err, &invalid) || invalid.Violations[0].Field != c.field {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on %s", c.name, err, c.field)
		}
	}
	q, err := Plan(at(0), at(10000*time.Minute), time.Minute)
	if err != nil || q.Count != MaxPoints {
		t.Errorf("exactly %d points: %+v, %v", MaxPoints, q, err)
	}
	q, err = Plan(at(17*time.Minute+5*time.Second), at(3*time.Hour), time.Hour)
	if err != nil || !q.Start.Equal(at(0)) || q.Count != 3 {
		t.Errorf("start rounds down to the hour: %+v, %v", q, err)
	}
}
