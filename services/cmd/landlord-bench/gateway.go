package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	gatewaybench "github.com/landlord-dev/landlord/services/gateway/bench"
	"github.com/landlord-dev/landlord/services/internal/certs"
)

// gatewayPlanRate is the bench plan's gateway rate limit: the most the
// plan allows, far above what this machine can send, so the limiter stays
// in the REST path (every request takes a token) but never refuses one.
var gatewayPlanRate = &quotav1.RateLimit{RequestsPerSecond: 1_000_000, Burst: 1_000_000}

func gatewayCommand() *cobra.Command {
	var kubeconfig, binDir string
	var http1, quotaToo bool
	o := gatewaybench.Options{}
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "GetTenant as REST through the gateway vs native gRPC to provisioning, same run, same concurrency",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			s, err := startStack(ctx, binDir, kubeconfig)
			if err != nil {
				return err
			}
			defer func() { s.stop(err != nil) }()
			const plan, tenant = "bench-gateway", "bench-gateway"
			if err := s.createPlan(ctx, plan, gatewayPlanRate); err != nil {
				return err
			}
			if err := s.createTenant(ctx, tenant, plan); err != nil {
				return err
			}
			conn, err := s.Dial(s.ProvisioningAddr)
			if err != nil {
				return err
			}
			defer conn.Close()
			tlsCfg, err := certs.Client(s.Env.ClientTLS())
			if err != nil {
				return err
			}
			// HTTP/2 if the gateway offers it (a custom TLS config turns
			// Go's automatic HTTP/2 off unless forced): one connection,
			// multiplexed, like gRPC's.
			h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone(), ForceAttemptHTTP2: true,
				MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
			proto, err := gatewaybench.Proto(ctx, h2, s.GatewayURL)
			if err != nil {
				return err
			}
			quotaConn, err := s.Dial(s.QuotaAddr)
			if err != nil {
				return err
			}
			defer quotaConn.Close()
			// HTTP/1.1 keep-alive: a pool of connections, one per caller.
			h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone(),
				TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
			rest := func(path string) []gatewaybench.Transport {
				ts := []gatewaybench.Transport{gatewaybench.REST("REST via gateway ("+proto+")", h2, s.GatewayURL+path, s.AdminToken)}
				if http1 {
					ts = append(ts, gatewaybench.REST("REST via gateway (HTTP/1.1)", h1, s.GatewayURL+path, s.AdminToken))
				}
				return ts
			}
			getTenant := append([]gatewaybench.Transport{gatewaybench.GetTenant(conn, s.AdminToken, tenant)}, rest("/v1/tenants/"+tenant)...)
			getQuota := append([]gatewaybench.Transport{gatewaybench.GetTenantQuota(quotaConn, s.AdminToken, tenant)}, rest("/v1/tenants/"+tenant+"/quota")...)
			if quotaToo {
				o.MaxTime /= 2
			}
			fmt.Fprintf(out, "bench-gateway: GetTenant of one tenant as a platform admin (bearer token), TLS on loopback; baseline: native gRPC to provisioning, one shared connection (GetTenant reads the Tenant straight from the API server on both paths); the tenant's plan allows %.0f req/s at the gateway, so its rate limiter runs but never refuses\n",
				gatewayPlanRate.GetRequestsPerSecond())
			if err := gatewaybench.Run(ctx, out, o, getTenant...); err != nil || !quotaToo {
				return err
			}
			fmt.Fprintln(out, "bench-gateway: GetTenantQuota of the same tenant, answered from quota's memory: the gateway's own cost, with no API server read to hide it; baseline: native gRPC to quota")
			return gatewaybench.Run(ctx, out, o, getQuota...)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("LANDLORD_KUBECONFIG"), "admin kubeconfig of the dev cluster")
	f.StringVar(&binDir, "bin-dir", "bin", "directory of the identity, quota, provisioning, observability and gateway binaries")
	f.IntSliceVar(&o.Concurrency, "concurrency", []int{8, 32}, "concurrent callers, each level measured on every transport")
	f.IntVar(&o.Requests, "requests", 2000, "calls per round per transport")
	f.IntVar(&o.Rounds, "rounds", 3, "rounds per transport and level, the transports alternating")
	f.IntVar(&o.Warmup, "warmup", 500, "calls per transport before each level")
	f.DurationVar(&o.MaxTime, "max-time", 60*time.Second, "bound on the whole measurement (rounds stop early to keep it)")
	f.BoolVar(&http1, "http1", true, "also measure REST over HTTP/1.1 keep-alive connections")
	f.BoolVar(&quotaToo, "quota", true, "also compare GetTenantQuota (answered from memory) over both; max-time is then shared")
	return cmd
}
