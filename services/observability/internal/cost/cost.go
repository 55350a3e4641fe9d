package cost

import (
	"math"

	"github.com/landlord-dev/landlord/services/observability/internal/history"
)

// Hours are requested resource-hours: CPU core-hours, memory and storage
// GiB-hours.
type Hours struct{ CPU, Memory, Storage float64 }

const gib = 1 << 30

// HoursOf is a history point's requested resource-hours (its integrals
// are millicore-seconds and byte-seconds).
func HoursOf(p history.Point) Hours {
	return Hours{CPU: p.Integral.CPU / 1000 / 3600, Memory: p.Integral.Memory / gib / 3600, Storage: p.Integral.Storage / gib / 3600}
}

// Resource is one resource's hours and their cost in micros.
type Resource struct {
	Hours  float64
	Micros int64
}

// Line is what a step (or a sum of steps) costs, per resource and in
// total; Total is always CPU + Memory + Storage micros.
type Line struct {
	CPU, Memory, Storage Resource
	Total                int64
}

// Price prices one step's hours: each resource is hours × nanos per
// hour, rounded to the nearest micro, halves away from zero. The total
// is the sum of the rounded amounts, so a report adds up exactly.
func (s PriceSheet) Price(h Hours) Line {
	l := Line{
		CPU:     Resource{h.CPU, micros(h.CPU, s.CPUCoreHour)},
		Memory:  Resource{h.Memory, micros(h.Memory, s.MemoryGiBHour)},
		Storage: Resource{h.Storage, micros(h.Storage, s.StorageGiBHour)},
	}
	l.Total = l.CPU.Micros + l.Memory.Micros + l.Storage.Micros
	return l
}

func micros(hours float64, nanosPerHour int64) int64 {
	return int64(math.Round(hours * float64(nanosPerHour) / 1000))
}

// Add adds another line (a step) to l: hours and micros sum, nothing is
// rounded again.
func (l *Line) Add(o Line) {
	l.CPU.add(o.CPU)
	l.Memory.add(o.Memory)
	l.Storage.add(o.Storage)
	l.Total += o.Total
}

func (r *Resource) add(o Resource) {
	r.Hours += o.Hours
	r.Micros += o.Micros
}
