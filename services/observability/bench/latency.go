package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	shared "github.com/landlord-dev/landlord/services/internal/bench"
)

// timeCalls runs call n times from workers goroutines and returns each
// call's latency; the first error ends it.
func timeCalls(ctx context.Context, n, workers int, call func(ctx context.Context, i int) error) (shared.Latencies, time.Duration, error) {
	var mu sync.Mutex
	var lat shared.Latencies
	start := time.Now()
	err := parallel(ctx, n, workers, func(i int) error {
		t := time.Now()
		if err := call(ctx, i); err != nil {
			return err
		}
		d := time.Since(t)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
		return nil
	})
	return lat, time.Since(start), err
}

// getUsage times GetTenantUsage of random tenants (ctx carries the
// token) and, as its baseline over the same TLS connection, the health
// check: a call with no token to verify and no work behind it.
func getUsage(ctx context.Context, s *service, tenants, n, workers int) (usage, health shared.Latencies, err error) {
	obs := observabilityv1.NewObservabilityServiceClient(s.conn)
	hc := healthpb.NewHealthClient(s.conn)
	// Warm up: connections and first-call paths.
	if _, _, err := timeCalls(ctx, 200, workers, func(ctx context.Context, _ int) error {
		_, err := obs.GetTenantUsage(ctx, &observabilityv1.GetTenantUsageRequest{Tenant: tenantName(rand.IntN(tenants))})
		return err
	}); err != nil {
		return nil, nil, err
	}
	// Alternate the two in rounds, so that both see the same noise.
	for range 4 {
		l, _, err := timeCalls(ctx, n/4, workers, func(ctx context.Context, _ int) error {
			_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		health = append(health, l...)
		l, _, err = timeCalls(ctx, n/4, workers, func(ctx context.Context, _ int) error {
			resp, err := obs.GetTenantUsage(ctx, &observabilityv1.GetTenantUsageRequest{Tenant: tenantName(rand.IntN(tenants))})
			if err == nil && len(resp.GetUsage().GetNamespaces()) == 0 {
				err = fmt.Errorf("tenant %s has no namespaces in its usage", resp.GetUsage().GetTenant())
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		usage = append(usage, l...)
	}
	return usage, health, nil
}

// listUsage walks every page of ListTenantUsage (pageSize a page) walks
// times, one walk at a time, and returns each page's latency and each
// walk's time and tenant count.
func listUsage(ctx context.Context, s *service, pageSize int32, walks int) (pages shared.Latencies, walkTimes []time.Duration, seen int, err error) {
	obs := observabilityv1.NewObservabilityServiceClient(s.conn)
	for range walks {
		start, token := time.Now(), ""
		seen = 0
		for {
			t := time.Now()
			resp, err := obs.ListTenantUsage(ctx, &observabilityv1.ListTenantUsageRequest{PageSize: pageSize, PageToken: token})
			if err != nil {
				return nil, nil, 0, err
			}
			pages = append(pages, time.Since(t))
			seen += len(resp.GetTenantUsages())
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		walkTimes = append(walkTimes, time.Since(start))
	}
	return pages, walkTimes, seen, nil
}
