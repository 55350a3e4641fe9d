package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CPUTimes is the CPU time used so far by each process that matters to a
// benchmark: the dev cluster's components (found by their command line),
// the processes the benchmark names and the benchmark itself. Comparing
// two snapshots says where a phase's CPU went, which on a shared two-core
// machine decides throughput more than any single request's latency.
type CPUTimes map[string]time.Duration

// ticksPerSecond is USER_HZ, 100 on every Linux this runs on.
const ticksPerSecond = 100

// CPUSnapshot reads the CPU times now; named maps the pids of processes
// the benchmark started to the names they are reported under.
func CPUSnapshot(named map[int]string) CPUTimes {
	out := CPUTimes{}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range procs {
		pid, _ := strconv.Atoi(filepath.Base(dir))
		name, ok := named[pid]
		switch {
		case ok:
		case pid == os.Getpid():
			name = "bench"
		default:
			cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
			if err != nil {
				continue
			}
			args := strings.Split(string(cmdline), "\x00")
			if i := slices.Index(args, "component"); i >= 0 && i+1 < len(args) {
				name = args[i+1]
			}
		}
		if name == "" {
			continue
		}
		if d, ok := processCPU(dir); ok {
			out[name] += d
		}
	}
	return out
}

// processCPU reads utime+stime from /proc/<pid>/stat.
func processCPU(dir string) (time.Duration, bool) {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, true
}

// PerTenant formats the CPU used between two snapshots per tenant, by process.
func PerTenant(before, after CPUTimes, tenants int) string {
	var names []string
	for name := range after {
		names = append(names, name)
	}
	slices.Sort(names)
	var parts []string
	var total time.Duration
	for _, name := range names {
		d := after[name] - before[name]
		total += d
		parts = append(parts, fmt.Sprintf("%s %.1f", name, float64(d.Microseconds())/1000/float64(tenants)))
	}
	return fmt.Sprintf("%.1f ms  (%s)", float64(total.Microseconds())/1000/float64(tenants), strings.Join(parts, ", "))
}
