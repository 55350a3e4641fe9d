package server_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
	"github.com/landlord-dev/landlord/services/internal/testing/tlstest"
)

// serveTLS runs an echo server on a real loopback port with files' TLS and
// returns its address.
func serveTLS(t *testing.T, files certs.Files, table *access.Table) string {
	t.Helper()
	srv, err := server.New(server.Config{Service: "echo", Register: grpctest.RegisterEcho, Access: table, TLS: files,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv.GRPCAddr()
}

func echoOver(t *testing.T, addr string, creds credentials.TransportCredentials) error {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = testingv1.NewEchoServiceClient(conn).Echo(context.Background(), &testingv1.EchoRequest{Message: "hi"})
	return err
}

func clientTLS(t *testing.T, f certs.Files) credentials.TransportCredentials {
	t.Helper()
	cfg, err := certs.Client(f)
	if err != nil {
		t.Fatal(err)
	}
	return credentials.NewTLS(cfg)
}

func TestOnlyTLSClientsThatTrustTheCAGetIn(t *testing.T) {
	ca := tlstest.NewCA(t, "landlord-ca")
	addr := serveTLS(t, ca.Service(t, "echo"), grpctest.EchoAccess())

	if err := echoOver(t, addr, insecure.NewCredentials()); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext client: %v, want the connection refused (Unavailable)", err)
	}
	stranger := tlstest.NewCA(t, "other-ca")
	if err := echoOver(t, addr, clientTLS(t, certs.Files{CA: stranger.File})); status.Code(err) != codes.Unavailable {
		t.Errorf("client trusting another CA: %v, want Unavailable", err)
	}
	if err := echoOver(t, addr, clientTLS(t, certs.Files{CA: ca.File})); err != nil {
		t.Errorf("client trusting the CA: %v", err)
	}
}

func TestCertificatesReloadWithoutRestart(t *testing.T) {
	ca := tlstest.NewCA(t, "landlord-ca")
	files := ca.Service(t, "echo")
	addr := serveTLS(t, files, grpctest.EchoAccess())
	serial := func() string {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // reading the served certificate
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	ca.Service(t, "echo") // a renewed certificate, same files
	if after := serial(); after == before {
		t.Errorf("served serial %s after renewal, want the new certificate", after)
	}
}

func TestAnAddressBeyondLoopbackNeedsTLS(t *testing.T) {
	for _, cfg := range []server.Config{
		{GRPCAddr: "0.0.0.0:0"},
		{GRPCAddr: "127.0.0.1:0", HTTPAddr: ":0"},
	} {
		cfg.Service, cfg.Register, cfg.Access = "echo", grpctest.RegisterEcho, grpctest.EchoAccess()
		if _, err := server.New(cfg); err == nil || !strings.Contains(err.Error(), "--api-tls-cert") {
			t.Errorf("%s / %s without TLS: %v; want a refusal saying how to configure certificates", cfg.GRPCAddr, cfg.HTTPAddr, err)
		}
	}
}

func TestInternalMethodsAdmitOnlyTheNamedServicesCertificates(t *testing.T) {
	ca := tlstest.NewCA(t, "landlord-ca")
	table := grpctest.EchoAccessWith(access.Internal("provisioning"))
	addr := serveTLS(t, ca.Service(t, "identity"), table)

	if err := echoOver(t, addr, clientTLS(t, ca.Service(t, "provisioning"))); err != nil {
		t.Errorf("provisioning's certificate: %v", err)
	}
	if err := echoOver(t, addr, clientTLS(t, ca.Service(t, "quota"))); status.Code(err) != codes.PermissionDenied {
		t.Errorf("another service's certificate: %v, want PermissionDenied", err)
	}
	if err := echoOver(t, addr, clientTLS(t, certs.Files{CA: ca.File})); status.Code(err) != codes.PermissionDenied {
		t.Errorf("no client certificate: %v, want PermissionDenied", err)
	}
	// The right name, signed by someone else: the handshake fails.
	forger := tlstest.NewCA(t, "forger-ca")
	forged := forger.Service(t, "provisioning")
	forged.CA = ca.File
	if err := echoOver(t, addr, clientTLS(t, forged)); status.Code(err) != codes.Unavailable {
		t.Errorf("forged provisioning certificate: %v, want the handshake refused", err)
	}
}
