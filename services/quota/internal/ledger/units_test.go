package ledger_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

func TestToUnitsRoundsTheSafeWay(t *testing.T) {
	for _, c := range []struct {
		name, q  string
		up, down int64
	}{
		{"requests.cpu", "1", 1000, 1000},
		{"requests.cpu", "250m", 250, 250},
		{"limits.cpu", "0.0005", 1, 0}, // below a millicore
		{"requests.memory", "1Gi", 1 << 30, 1 << 30},
		{"requests.memory", "1.5", 2, 1},
		{"pods", "10", 10, 10},
		{"count/configmaps", "1k", 1000, 1000},
		{"requests.storage", "1500m", 2, 1},
	} {
		q := resource.MustParse(c.q)
		up, err := ledger.ToUnits(c.name, q, true)
		if err != nil || up != c.up {
			t.Errorf("%s %s up: %d, %v; want %d", c.name, c.q, up, err, c.up)
		}
		down, err := ledger.ToUnits(c.name, q, false)
		if err != nil || down != c.down {
			t.Errorf("%s %s down: %d, %v; want %d", c.name, c.q, down, err, c.down)
		}
	}
	for _, bad := range []string{"-1", "100Ei", "9e20"} {
		if _, err := ledger.ToUnits("requests.cpu", resource.MustParse(bad), true); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestAmountsRoundTripThroughResourceList(t *testing.T) {
	list := corev1.ResourceList{
		"requests.cpu":     resource.MustParse("1500m"),
		"limits.memory":    resource.MustParse("3Gi"),
		"pods":             resource.MustParse("12"),
		"count/secrets":    resource.MustParse("50"),
		"requests.storage": resource.MustParse("10Gi"),
	}
	a, err := ledger.AmountsOf(list, false)
	if err != nil {
		t.Fatal(err)
	}
	if a["requests.cpu"] != 1500 || a["limits.memory"] != 3<<30 || a["pods"] != 12 {
		t.Errorf("amounts %v", a)
	}
	back := a.ResourceList()
	for name, q := range list {
		if got := back[name]; got.Cmp(q) != 0 {
			t.Errorf("%s: %s back as %s", name, q.String(), got.String())
		}
	}
	if got := back["pods"]; got.String() != "12" {
		t.Errorf("pods written as %s: ResourceQuota wants whole counts", got.String())
	}
	if _, err := ledger.AmountsOf(corev1.ResourceList{"pods": resource.MustParse("-2")}, true); err == nil {
		t.Error("negative quantity accepted")
	}
}

func TestIsCountTellsObjectsFromCPUAndBytes(t *testing.T) {
	for name, want := range map[string]bool{
		"pods": true, "count/configmaps": true, "services.nodeports": true,
		"requests.cpu": false, "limits.memory": false, "requests.storage": false, "limits.ephemeral-storage": false,
	} {
		if got := ledger.IsCount(name); got != want {
			t.Errorf("IsCount(%s) = %v, want %v", name, got, want)
		}
	}
}
