package main

import (
	"github.com/spf13/cobra"

	"github.com/landlord-dev/landlord/services/identity"
)

// limitFlags binds the flags of what callers can make identity spend.
func limitFlags(cmd *cobra.Command, l *identity.Limits) {
	f := cmd.Flags()
	f.IntVar(&l.PasswordHashMemoryMiB, "password-hash-memory-mib", l.PasswordHashMemoryMiB, "memory all password hashes in flight may use together (64 MiB each)")
	f.IntVar(&l.PasswordHashQueue, "password-hash-queue", l.PasswordHashQueue, "password hashes that may wait for memory; more are refused (RESOURCE_EXHAUSTED)")
	f.Float64Var(&l.SignInPerAddress.PerSecond, "signin-rate-per-address", l.SignInPerAddress.PerSecond, "Login, Refresh, ExchangeApiKey and Logout calls per second per client address (0: no limit)")
	f.IntVar(&l.SignInPerAddress.Burst, "signin-burst-per-address", l.SignInPerAddress.Burst, "burst of those calls per client address")
	f.Float64Var(&l.LoginPerAccount.PerSecond, "login-rate-per-account", l.LoginPerAccount.PerSecond, "Login calls per second per user name (0: no limit)")
	f.IntVar(&l.LoginPerAccount.Burst, "login-burst-per-account", l.LoginPerAccount.Burst, "burst of Login calls per user name")
	f.DurationVar(&l.Audit.MaxAge, "audit-max-age", l.Audit.MaxAge, "delete audit events older than this")
	f.IntVar(&l.Audit.MaxEvents, "audit-max-events", l.Audit.MaxEvents, "keep at most this many audit events, deleting the oldest")
	f.DurationVar(&l.Audit.FlushEvery, "audit-flush-every", l.Audit.FlushEvery, "write failed anonymous calls as summary audit events this often")
}
