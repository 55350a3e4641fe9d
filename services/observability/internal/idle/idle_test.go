package idle_test

import (
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/observability/internal/idle"
)

func TestAssess(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	hour := time.Hour
	base := idle.Tenant{Name: "acme", Created: now.Add(-48 * hour), LastActivity: now.Add(-3 * hour), IdleAfter: 2 * hour, Active: true}
	for name, c := range map[string]struct {
		change  func(*idle.Tenant)
		idle    bool
		idleFor time.Duration
	}{
		"unused past its policy":        {func(*idle.Tenant) {}, true, 3 * hour},
		"used within its policy":        {func(t *idle.Tenant) { t.LastActivity = now.Add(-hour) }, false, hour},
		"no policy":                     {func(t *idle.Tenant) { t.IdleAfter = 0 }, false, 3 * hour},
		"already hibernated":            {func(t *idle.Tenant) { t.Hibernated = true }, false, 3 * hour},
		"not active (provisioning)":     {func(t *idle.Tenant) { t.Active = false }, false, 3 * hour},
		"never used, created long ago":  {func(t *idle.Tenant) { t.LastActivity = time.Time{} }, true, 48 * hour},
		"never used, created just now":  {func(t *idle.Tenant) { t.LastActivity, t.Created = time.Time{}, now.Add(-time.Minute) }, false, time.Minute},
		"activity in the future (skew)": {func(t *idle.Tenant) { t.LastActivity = now.Add(hour) }, false, 0},
		"exactly at its policy":         {func(t *idle.Tenant) { t.LastActivity = now.Add(-2 * hour) }, true, 2 * hour},
	} {
		tn := base
		c.change(&tn)
		st := idle.Assess(now, tn)
		if st.Idle != c.idle || st.IdleFor != c.idleFor {
			t.Errorf("%s: idle %v for %s, want %v for %s", name, st.Idle, st.IdleFor, c.idle, c.idleFor)
		}
	}
}
