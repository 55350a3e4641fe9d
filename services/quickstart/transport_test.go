package quickstart

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // resolves the details of REST error bodies
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// transport makes one call as a user would over one of Landlord's two
// front doors: method is a full gRPC method name, token a bearer token
// (or ""), resp an empty response message it fills.
type transport interface {
	name() string
	call(ctx context.Context, method, token string, req, resp proto.Message) *status.Status
}

// grpcTransport dials each service directly, as grpcurl and landlordctl do.
type grpcTransport struct {
	conns map[string]*grpc.ClientConn // by proto package, e.g. "landlord.quota.v1"
}

func newGRPCTransport(t *testing.T, ca string, addrs map[string]string) *grpcTransport {
	t.Helper()
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(ca)
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("CA %s: %v", ca, err)
	}
	g := &grpcTransport{conns: map[string]*grpc.ClientConn{}}
	for pkg, addr := range addrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		g.conns[pkg] = conn
	}
	return g
}

func (*grpcTransport) name() string { return "gRPC" }

func (g *grpcTransport) call(ctx context.Context, method, token string, req, resp proto.Message) *status.Status {
	pkg := method[1:strings.LastIndex(method[:strings.LastIndex(method, "/")], ".")]
	conn, ok := g.conns[pkg]
	if !ok {
		return status.Newf(codes.Internal, "test: no address for %s", pkg)
	}
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	return status.Convert(conn.Invoke(ctx, method, req, resp))
}

// restTransport calls the gateway at the path, verb and body of the
// method's google.api.http annotation: the mapping the gateway itself is
// generated from, so no case names a path by hand.
type restTransport struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newRESTTransport(t *testing.T, ca, base string) *restTransport {
	t.Helper()
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(ca)
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("CA %s: %v", ca, err)
	}
	return &restTransport{t: t, base: base, client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
}

func (*restTransport) name() string { return "REST" }

func (r *restTransport) call(ctx context.Context, method, token string, req, resp proto.Message) *status.Status {
	verb, path, body, err := transcode(method, req)
	if err != nil {
		return status.Newf(codes.Internal, "test: %v", err)
	}
	hr, err := http.NewRequestWithContext(ctx, verb, r.base+path, bytes.NewReader(body))
	if err != nil {
		return status.Newf(codes.Internal, "test: %v", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := r.client.Do(hr)
	if err != nil {
		return status.Newf(codes.Unavailable, "test: %v", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 == 2 {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, resp); err != nil {
			return status.Newf(codes.Internal, "test: response %s: %v", data, err)
		}
		return status.New(codes.OK, "")
	}
	var st spb.Status
	if err := protojson.Unmarshal(data, &st); err != nil {
		return status.Newf(codes.Internal, "test: HTTP %d, body not a google.rpc.Status: %s", res.StatusCode, data)
	}
	// The canonical HTTP status of the code is part of the contract.
	if want := runtime.HTTPStatusFromCode(codes.Code(st.GetCode())); res.StatusCode != want {
		r.t.Errorf("%s %s: HTTP %d for %s, want %d", verb, path, res.StatusCode, codes.Code(st.GetCode()), want)
	}
	return status.FromProto(&st)
}

// transcode turns a call into its REST request by the method's HttpRule:
// path variables from the request, the body field (or all of it) as
// JSON, other set top-level scalars as query parameters.
func transcode(method string, req proto.Message) (verb, path string, body []byte, err error) {
	full := strings.ReplaceAll(strings.TrimPrefix(method, "/"), "/", ".")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(full))
	if err != nil {
		return "", "", nil, err
	}
	rule, _ := proto.GetExtension(d.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil {
		return "", "", nil, fmt.Errorf("%s has no REST mapping", method)
	}
	switch p := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		verb, path = http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		verb, path = http.MethodPost, p.Post
	case *annotations.HttpRule_Put:
		verb, path = http.MethodPut, p.Put
	case *annotations.HttpRule_Patch:
		verb, path = http.MethodPatch, p.Patch
	case *annotations.HttpRule_Delete:
		verb, path = http.MethodDelete, p.Delete
	default:
		return "", "", nil, fmt.Errorf("%s: unsupported pattern %T", method, p)
	}
	m := req.ProtoReflect()
	inPath := map[string]bool{}
	var vars []string
	for {
		open := strings.Index(path, "{")
		if open < 0 {
			break
		}
		end := open + strings.Index(path[open:], "}")
		field, _, _ := strings.Cut(path[open+1:end], "=")
		inPath[strings.Split(field, ".")[0]] = true
		vars = append(vars, field)
		v, err := fieldValue(m, field)
		if err != nil {
			return "", "", nil, err
		}
		path = path[:open] + url.PathEscape(v) + path[end+1:]
	}
	switch rule.GetBody() {
	case "":
	case "*":
		body, err = protojson.Marshal(req)
	default:
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(rule.GetBody()))
		inPath[rule.GetBody()] = true
		// Path variables inside the body (tenant.name) travel in the
		// path only: on PATCH every body field counts as changed.
		b := proto.Clone(m.Get(fd).Message().Interface())
		for _, v := range vars {
			if sub, ok := strings.CutPrefix(v, rule.GetBody()+"."); ok && !strings.Contains(sub, ".") {
				b.ProtoReflect().Clear(b.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(sub)))
			}
		}
		body, err = protojson.Marshal(b)
	}
	if err != nil || rule.GetBody() == "*" {
		return verb, path, body, err
	}
	q := url.Values{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if !inPath[string(fd.Name())] && fd.Kind() != protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() {
			q.Set(fd.JSONName(), fmt.Sprint(v.Interface()))
		}
		return true
	})
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return verb, path, body, nil
}

// fieldValue reads a dotted field path ("tenant.name") of m as a string.
func fieldValue(m protoreflect.Message, field string) (string, error) {
	parts := strings.Split(field, ".")
	for i, p := range parts {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(p))
		if fd == nil {
			return "", fmt.Errorf("no field %q in %s", field, m.Descriptor().FullName())
		}
		if i == len(parts)-1 {
			return m.Get(fd).String(), nil
		}
		m = m.Get(fd).Message()
	}
	return "", fmt.Errorf("empty field path")
}
