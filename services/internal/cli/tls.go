package cli

import (
	"github.com/spf13/pflag"

	"github.com/landlord-dev/landlord/services/internal/certs"
)

// APITLSFlags are the flags of a service's API certificate, the same in
// every binary.
func APITLSFlags(f *pflag.FlagSet, files *certs.Files) {
	f.StringVar(&files.Cert, "api-tls-cert", files.Cert, "certificate (PEM) the gRPC API and metrics serve; re-read when it changes")
	f.StringVar(&files.Key, "api-tls-key", files.Key, "key (PEM) of --api-tls-cert")
	f.StringVar(&files.CA, "api-tls-ca", files.CA, "CA (PEM) of Landlord's services: verifies their client certificates, and the peers this service calls")
}
