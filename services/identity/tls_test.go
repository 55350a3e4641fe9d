package identity_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/testing/tlstest"
)

// TestTheAPIServesOnlyTLS sniffs identity's API port: a plaintext client,
// which would send passwords in clear, gets nothing, and neither does a TLS
// client that trusts another CA (a man in the middle's view).
func TestTheAPIServesOnlyTLS(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	login := func(creds credentials.TransportCredentials) error {
		conn, err := grpc.NewClient(id.addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = identityv1.NewAuthServiceClient(conn).Login(context.Background(),
			&identityv1.LoginRequest{Username: "admin", Password: "a guess sent in clear"})
		return err
	}
	code(t, login(insecure.NewCredentials()), codes.Unavailable, "plaintext login")
	other, err := certs.Client(certs.Files{CA: tlstest.NewCA(t, "other-ca").File})
	if err != nil {
		t.Fatal(err)
	}
	code(t, login(credentials.NewTLS(other)), codes.Unavailable, "login trusting another CA")
	code(t, login(credentials.NewTLS(must(certs.Client(certs.Files{CA: id.ca})))), codes.Unauthenticated, "login over TLS with a wrong password")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
