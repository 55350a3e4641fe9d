// Package bench is the gateway's benchmark (make bench-gateway): GetTenant
// as REST/JSON through the gateway against the same call over native gRPC
// to provisioning, the baseline (and GetTenantQuota against quota, whose
// answer is in memory: there the gateway's own cost shows), in the same run, at the same concurrency
// and request count, in interleaved rounds so that drift in the machine's
// load hits both sides alike. It knows no other service's internals: the
// caller (landlord-bench) starts the stack and hands over a connection, a
// client, a token and a tenant.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	shared "github.com/landlord-dev/landlord/services/internal/bench"
)

// Transport is one way of making a call.
type Transport struct {
	Name string
	// Call makes one call and reports its error.
	Call func(ctx context.Context) error
}

// Bearer is ctx carrying token as gRPC's authorization metadata.
func Bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// GetTenant calls provisioning's GetTenant over conn (one shared
// connection, as a real client holds) with token as bearer.
func GetTenant(conn *grpc.ClientConn, token, tenant string) Transport {
	client := provisioningv1.NewTenantServiceClient(conn)
	req := &provisioningv1.GetTenantRequest{Name: tenant}
	return Transport{Name: "gRPC to provisioning", Call: func(ctx context.Context) error {
		_, err := client.GetTenant(Bearer(ctx, token), req)
		return err
	}}
}

// GetTenantQuota calls quota's GetTenantQuota over conn with token as
// bearer.
func GetTenantQuota(conn *grpc.ClientConn, token, tenant string) Transport {
	client := quotav1.NewTenantQuotaServiceClient(conn)
	req := &quotav1.GetTenantQuotaRequest{Tenant: tenant}
	return Transport{Name: "gRPC to quota", Call: func(ctx context.Context) error {
		_, err := client.GetTenantQuota(Bearer(ctx, token), req)
		return err
	}}
}

// REST sends GET target with client, token as bearer. The body is read
// whole, not decoded (the gRPC side decodes its protobuf). Any answer but
// 200 is an error; a 429 says the rate limiter, not the gateway, was
// measured.
func REST(name string, client *http.Client, target, token string) Transport {
	return Transport{Name: name, Call: func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			return err
		case resp.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("429 from the gateway's rate limiter: it throttled the benchmark (%s)", body)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("GET %s: %s: %s", target, resp.Status, body)
		}
		return nil
	}}
}

// Proto is the HTTP version client speaks to the gateway at base, from
// one GET of its /healthz.
func Proto(ctx context.Context, client *http.Client, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Proto, nil
}

// Options bound the run.
type Options struct {
	Concurrency []int // levels, each measured on every transport
	Requests    int   // per round, per transport
	Rounds      int   // per transport and level, the transports alternating
	Warmup      int   // requests per transport before each level's rounds
	// MaxTime bounds the whole measurement: it is shared evenly among
	// the rounds (the warm-up counting as one), and a round that runs out
	// of its share stops early, counting the calls it completed. So a
	// loaded machine gets fewer calls, never a longer run.
	MaxTime time.Duration
}

// Result is one transport at one concurrency, summed over its rounds.
type Result struct {
	Calls   int
	Elapsed time.Duration
	Lat     shared.Latencies
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Calls) / r.Elapsed.Seconds() }

// Run measures each transport at each concurrency level; the first
// transport is the baseline the others are compared with.
func Run(ctx context.Context, out io.Writer, o Options, transports ...Transport) error {
	if len(transports) < 2 || o.Requests < 1 || o.Rounds < 1 {
		return errors.New("need a baseline and a transport to compare, and requests and rounds")
	}
	window := o.MaxTime / time.Duration(len(o.Concurrency)*(o.Rounds+1)*len(transports))
	// A call stuck past the whole budget (plus slack) is an error.
	ctx, cancel := context.WithTimeout(ctx, o.MaxTime+30*time.Second)
	defer cancel()
	start := time.Now()
	for _, c := range o.Concurrency {
		results := make([]Result, len(transports))
		for _, t := range transports {
			if _, err := round(ctx, t, c, o.Warmup, window); err != nil {
				return fmt.Errorf("warm-up, %s: %w", t.Name, err)
			}
		}
		for range o.Rounds {
			for i, t := range transports {
				r, err := round(ctx, t, c, o.Requests, window)
				if err != nil {
					return fmt.Errorf("%s, %d workers: %w", t.Name, c, err)
				}
				results[i].Calls += r.Calls
				results[i].Elapsed += r.Elapsed
				results[i].Lat = append(results[i].Lat, r.Lat...)
			}
		}
		fmt.Fprintf(out, " %d concurrent callers, %d rounds per transport, interleaved, each %d calls or %.1f s, whichever ends first:\n",
			c, o.Rounds, o.Requests, window.Seconds())
		base := results[0]
		for i, t := range transports {
			r := results[i]
			ratio := ""
			if i > 0 {
				ratio = fmt.Sprintf("   %.2fx of %s", r.PerSecond()/base.PerSecond(), transports[0].Name)
			}
			shared.Row(out, t.Name, fmt.Sprintf("%7.0f req/s   p50 %s   p99 %s   (%d calls)%s", r.PerSecond(),
				shared.Ms(r.Lat.Quantile(0.5)), shared.Ms(r.Lat.Quantile(0.99)), r.Calls, ratio))
		}
		ratio := results[1].PerSecond() / base.PerSecond()
		verdict := "met"
		if ratio < 0.5 {
			verdict = "NOT met"
		}
		shared.Row(out, "REST/gRPC req/s (goal ≥ 0.5)", fmt.Sprintf("%.2fx, %s: %s", ratio, transports[1].Name, verdict))
	}
	fmt.Fprintf(out, " measured in %.1f s\n", time.Since(start).Seconds())
	return nil
}

// round makes n calls from c workers, or as many as start within window,
// and times each.
func round(ctx context.Context, t Transport, c, n int, window time.Duration) (Result, error) {
	var (
		next atomic.Int64
		mu   sync.Mutex
		lat  = make(shared.Latencies, 0, n)
		wg   sync.WaitGroup
		errs = make(chan error, c)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	stop := start.Add(window)
	for range c {
		wg.Go(func() {
			mine := make(shared.Latencies, 0, n/c+1)
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for next.Add(1) <= int64(n) && time.Now().Before(stop) {
				t0 := time.Now()
				if err := t.Call(ctx); err != nil {
					errs <- err
					cancel()
					return
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return Result{}, err
	}
	return Result{Calls: len(lat), Elapsed: elapsed, Lat: lat}, nil
}
