package controller

import "testing"

// The remembered replica count is a tenant-writable annotation: anything
// but a count a workload may have restores one replica, never an
// overflowed or negative number.
func TestRememberedReplicasAreBounded(t *testing.T) {
	for saved, want := range map[string]int32{
		"3": 3, "0": 0, "2147483647": 2147483647,
		"2147483648": 1, "4294967299": 1, "-5": 1, "x": 1, "": 1, "1e3": 1,
	} {
		if got := rememberedReplicas(saved); got != want {
			t.Errorf("rememberedReplicas(%q) = %d, want %d", saved, got, want)
		}
	}
}
