// Package bench holds identity's benchmark (bench-identity, run through
// landlord-bench): token verification and authorization checks against a
// no-op RPC on the same server, the cost of TLS, and logins per second, with ghz against
// bin/identity. It also starts bin/identity for benchmarks that need a
// platform admin's token (landlord-bench hands it to them).
package bench

import (
	"context"
	"fmt"
	"io"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
)

// Run starts bin/identity against the dev cluster env file and measures
// token verification (WhoAmI: authentication and a trivial handler) and
// Check against GetInfo (public, no-op) on the same server, and logins per
// second. Each client presents one token, so verification is the cached
// path; BenchmarkVerify in identity/internal/signing measures the uncached.
func Run(ctx context.Context, w io.Writer, identityBin, devEnv string) error {
	const calls, workers = 20000, 50
	// The plaintext baseline first, on a process of its own: the issuer's
	// port is the dev cluster's, so the two cannot run at once.
	plain, err := getInfo(ctx, identityBin, devEnv, true, workers, calls)
	if err != nil {
		return err
	}
	id, err := Start(ctx, identityBin, devEnv, false)
	if err != nil {
		return err
	}
	defer id.Stop()
	addr, ca, password := id.Addr, id.CA, id.password
	token, err := id.AdminToken(ctx)
	if err != nil {
		return err
	}
	auth := map[string]string{"authorization": "Bearer " + token}
	if _, err := shared.Ghz(ctx, addr, ca, getInfoMethod, "{}", nil, workers, 2000); err != nil { // warm up
		return err
	}
	noop, err := shared.Ghz(ctx, addr, ca, getInfoMethod, "{}", nil, workers, calls)
	if err != nil {
		return err
	}
	whoami, err := shared.Ghz(ctx, addr, ca, "landlord.identity.v1.AuthService.WhoAmI", "{}", auth, workers, calls)
	if err != nil {
		return err
	}
	checkData := fmt.Sprintf(`{"token":%q,"tenant":"acme","permission":"PERMISSION_TENANT_GET"}`, token)
	check, err := shared.Ghz(ctx, addr, ca, "landlord.identity.v1.AuthorizationService.Check", checkData, auth, workers, calls)
	if err != nil {
		return err
	}
	loginData := fmt.Sprintf(`{"username":"admin","password":%q}`, password)
	logins, err := shared.Ghz(ctx, addr, ca, "landlord.identity.v1.AuthService.Login", loginData, nil, 4, 60)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bench-identity: ghz against bin/identity on loopback, %d workers\n", workers)
	shared.PrintGhz(w, "GetInfo, plaintext", plain)
	shared.PrintGhz(w, "GetInfo over TLS (no-op baseline)", noop)
	shared.Row(w, "TLS / plaintext throughput", fmt.Sprintf("%.2f  (goal >= 0.8)", noop.Rps/plain.Rps))
	shared.PrintGhz(w, "WhoAmI over TLS (token verification)", whoami)
	shared.Row(w, "verification / no-op throughput", fmt.Sprintf("%.2f  (goal >= 0.7)", whoami.Rps/noop.Rps))
	shared.PrintGhz(w, "Check over TLS (token principal)", check)
	shared.Row(w, "Check / no-op throughput", fmt.Sprintf("%.2f  (goal >= 0.7)", check.Rps/noop.Rps))
	shared.PrintGhz(w, "Login (argon2id m=64MiB t=3 p=2)", logins)
	return nil
}

const getInfoMethod = "landlord.meta.v1.InfoService.GetInfo"

// getInfo measures GetInfo on a process of its own, warmed up first.
func getInfo(ctx context.Context, identityBin, devEnv string, plaintext bool, workers, calls int) (*shared.GhzResult, error) {
	id, err := Start(ctx, identityBin, devEnv, plaintext)
	if err != nil {
		return nil, err
	}
	defer id.Stop()
	if _, err := shared.Ghz(ctx, id.Addr, id.CA, getInfoMethod, "{}", nil, workers, 2000); err != nil {
		return nil, err
	}
	return shared.Ghz(ctx, id.Addr, id.CA, getInfoMethod, "{}", nil, workers, calls)
}
