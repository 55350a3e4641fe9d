package cost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/observability/internal/history"
)

func TestPriceMultipliesAndRoundsToTheNearestMicro(t *testing.T) {
	s := PriceSheet{Version: "t", Currency: "EUR", CPUCoreHour: 40_000_000, MemoryGiBHour: 5_000_000, StorageGiBHour: 1_500}
	l := s.Price(Hours{CPU: 2.5, Memory: 4, Storage: 1})
	// 2.5 core-hours × 0.04 = 0.1; 4 GiB-hours × 0.005 = 0.02;
	// 1 GiB-hour × 0.0000015 = 1.5 micros, rounded half away from zero.
	if l.CPU.Micros != 100_000 || l.Memory.Micros != 20_000 || l.Storage.Micros != 2 {
		t.Errorf("priced %+v", l)
	}
	if l.Total != 120_002 {
		t.Errorf("total %d, want the sum of the rounded amounts 120002", l.Total)
	}
	if got := s.Price(Hours{Storage: 1.0 / 3}); got.Storage.Micros != 1 { // 0.5 micros → 1
		t.Errorf("a third of a GiB-hour: %d micros", got.Storage.Micros)
	}
	if got := s.Price(Hours{}); got != (Line{}) {
		t.Errorf("no hours cost %+v", got)
	}
}

// A report's total is exactly the sum of its steps: the steps are
// rounded, their sum is not rounded again.
func TestLinesAddUpExactly(t *testing.T) {
	s := Default()
	var total Line
	var micros int64
	for i := range 60 {
		l := s.Price(Hours{CPU: 0.5 / 60, Memory: float64(i) / 600, Storage: 10.0 / 60})
		micros += l.CPU.Micros + l.Memory.Micros + l.Storage.Micros
		total.Add(l)
	}
	if total.Total != micros || total.Total != total.CPU.Micros+total.Memory.Micros+total.Storage.Micros {
		t.Errorf("total %d, parts %d", total.Total, micros)
	}
	if d := total.CPU.Hours - 0.5; d > 1e-9 || d < -1e-9 {
		t.Errorf("CPU hours %v, want 0.5", total.CPU.Hours)
	}
	// Half a core for an hour at 0.031611 is 15805.5 micros; per-minute
	// rounding (263.425 → 263 each) gives 60 × 263.
	if total.CPU.Micros != 60*263 {
		t.Errorf("CPU %d micros", total.CPU.Micros)
	}
}

func TestHoursOfAPoint(t *testing.T) {
	// 500 millicores and 2 GiB for 30 minutes; 10 GiB of storage.
	p := history.Point{Start: time.Unix(0, 0), Observed: 1800,
		Integral: history.Integral{CPU: 500 * 1800, Memory: 2 * gib * 1800, Storage: 10 * gib * 1800}}
	if h := HoursOf(p); h != (Hours{CPU: 0.25, Memory: 1, Storage: 5}) {
		t.Errorf("hours %+v", h)
	}
}

func TestParseNanosIsExact(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 1e9, "0.031611": 31_611_000, "0.000054795": 54_795, "12.000000001": 12_000_000_001} {
		if got, err := ParseNanos(in); err != nil || got != want {
			t.Errorf("ParseNanos(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1e3", "0.1234567891", "0.00005479452", ".5", "1.2.3", "abc", "2000000"} {
		if _, err := ParseNanos(bad); err == nil {
			t.Errorf("ParseNanos(%q) accepted", bad)
		}
	}
}

func TestLoadReadsYAMLAndJSONAndRefusesBadSheets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s, err := Load(write("s.yaml", "version: v7\neffectiveTime: 2026-01-01T00:00:00Z\ncurrency: EUR\ncpuCoreHour: \"0.03\"\nmemoryGiBHour: \"0.004\"\nstorageGiBHour: \"0.0001\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := PriceSheet{Version: "v7", EffectiveTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "EUR",
		CPUCoreHour: 30_000_000, MemoryGiBHour: 4_000_000, StorageGiBHour: 100_000}
	if !s.EffectiveTime.Equal(want.EffectiveTime) || s.Version != want.Version || s.Currency != want.Currency ||
		s.CPUCoreHour != want.CPUCoreHour || s.MemoryGiBHour != want.MemoryGiBHour || s.StorageGiBHour != want.StorageGiBHour {
		t.Errorf("loaded %+v, want %+v", s, want)
	}
	if _, err := Load(write("s.json", `{"version":"j","currency":"USD","cpuCoreHour":"1","memoryGiBHour":"0","storageGiBHour":"0"}`)); err != nil {
		t.Errorf("JSON sheet: %v", err)
	}
	for name, text := range map[string]string{
		"unknown field": "version: v\ncurrency: USD\ncpuCoreHour: \"1\"\nmemoryGiBHour: \"1\"\nstorageGiBHour: \"1\"\ngpuHour: \"1\"\n",
		"bad currency":  "version: v\ncurrency: dollars\ncpuCoreHour: \"1\"\nmemoryGiBHour: \"1\"\nstorageGiBHour: \"1\"\n",
		"no version":    "currency: USD\ncpuCoreHour: \"1\"\nmemoryGiBHour: \"1\"\nstorageGiBHour: \"1\"\n",
		"bad price":     "version: v\ncurrency: USD\ncpuCoreHour: \"-1\"\nmemoryGiBHour: \"1\"\nstorageGiBHour: \"1\"\n",
		"missing price": "version: v\ncurrency: USD\ncpuCoreHour: \"1\"\nmemoryGiBHour: \"1\"\n",
	} {
		if _, err := Load(write("bad.yaml", text)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "price sheet") {
			t.Errorf("%s: %v does not name the price sheet", name, err)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("the default sheet: %v", err)
	}
}
