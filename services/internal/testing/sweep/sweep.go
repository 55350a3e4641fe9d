// Package sweep throws edge inputs at every RPC a server offers, the way an
// attacker would, and reports any answer that is not a client error: an
// INTERNAL or UNKNOWN status, or a server that stops serving. The methods
// come from the server's reflection service, so a new service joins the
// sweep without a change here.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Strings are the edge values every string field gets, one at a time.
var Strings = []string{
	"",
	strings.Repeat("x", 70<<10),
	"a\x00b",
	"../../etc/passwd",
	"/etc/passwd",
	"%2e%2e%2f",
	"ünïcødé-名前",
	"-",
	" leading-space",
	"UPPER",
}

// Ints are the edge values every integer field gets.
var Ints = []int64{-1, 0, math.MaxInt32, math.MinInt32, math.MaxInt64}

// streamWait is how long a stream may stay silent: an open stream that
// has nothing to say yet accepted the request.
const streamWait = time.Second

// listLength is how many items a repeated field gets.
const listLength = 500

// skipped are the built-in services: not Landlord's to answer for.
var skipped = []string{"grpc.health.", "grpc.reflection."}

// Methods lists the methods conn's server offers, through reflection.
func Methods(ctx context.Context, conn *grpc.ClientConn) ([]protoreflect.MethodDescriptor, error) {
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stream.CloseSend() }()
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	var out []protoreflect.MethodDescriptor
	for _, svc := range resp.GetListServicesResponse().GetService() {
		if builtin(svc.GetName()) {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc.GetName()))
		if err != nil {
			return nil, fmt.Errorf("service %s is served but not linked into the test: %w", svc.GetName(), err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			out = append(out, methods.Get(i))
		}
	}
	return out, nil
}

func builtin(service string) bool {
	for _, p := range skipped {
		if strings.HasPrefix(service, p) {
			return true
		}
	}
	return false
}

// Requests are the edge requests for one method: for each field, a
// request with only that field set to each edge value (nested messages
// filled one level down), plus the empty request.
func Requests(in protoreflect.MessageDescriptor) []proto.Message {
	out := []proto.Message{dynamicpb.NewMessage(in)}
	for _, setter := range fieldSetters(in, 0) {
		m := dynamicpb.NewMessage(in)
		setter(m)
		out = append(out, m)
	}
	return out
}

type setter func(protoreflect.Message)

// fieldSetters makes, for each field of md, one setter per edge value.
func fieldSetters(md protoreflect.MessageDescriptor, depth int) []setter {
	var out []setter
	fields := md.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		for _, v := range values(f, depth) {
			out = append(out, func(m protoreflect.Message) { v(m, f) })
		}
	}
	return out
}

type value func(protoreflect.Message, protoreflect.FieldDescriptor)

func values(f protoreflect.FieldDescriptor, depth int) []value {
	var scalars []protoreflect.Value
	switch f.Kind() {
	case protoreflect.StringKind:
		for _, s := range Strings {
			scalars = append(scalars, protoreflect.ValueOfString(s))
		}
	case protoreflect.BytesKind:
		scalars = append(scalars, protoreflect.ValueOfBytes(make([]byte, 70<<10)))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		for _, n := range Ints {
			scalars = append(scalars, protoreflect.ValueOfInt32(int32(max(min(n, math.MaxInt32), math.MinInt32))))
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		for _, n := range Ints {
			scalars = append(scalars, protoreflect.ValueOfInt64(n))
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		scalars = append(scalars, protoreflect.ValueOfUint32(math.MaxUint32))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		scalars = append(scalars, protoreflect.ValueOfUint64(math.MaxUint64))
	case protoreflect.EnumKind:
		scalars = append(scalars, protoreflect.ValueOfEnum(999), protoreflect.ValueOfEnum(-1))
	case protoreflect.BoolKind:
		scalars = append(scalars, protoreflect.ValueOfBool(true))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if depth > 0 || f.IsMap() {
			return nil
		}
		var out []value
		for _, inner := range fieldSetters(f.Message(), depth+1) {
			out = append(out, func(m protoreflect.Message, f protoreflect.FieldDescriptor) {
				if f.IsList() {
					list := m.Mutable(f).List()
					for range listLength {
						item := list.NewElement()
						inner(item.Message())
						list.Append(item)
					}
					return
				}
				inner(m.Mutable(f).Message())
			})
		}
		return out
	}
	var out []value
	for _, s := range scalars {
		out = append(out, func(m protoreflect.Message, f protoreflect.FieldDescriptor) {
			if f.IsList() {
				list := m.Mutable(f).List()
				for range listLength {
					list.Append(s)
				}
				return
			}
			m.Set(f, s)
		})
	}
	return out
}

// Run sweeps every method of conn's server with the edge requests, as the
// caller ctx carries, and fails t on any INTERNAL or UNKNOWN answer or if
// the server stops serving. Each call is bounded by perCall.
func Run(t testing.TB, ctx context.Context, conn *grpc.ClientConn, perCall time.Duration) {
	t.Helper()
	methods, err := Methods(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(methods) == 0 {
		t.Fatal("the server offers no methods to sweep")
	}
	calls := 0
	for _, m := range methods {
		name := "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
		for i, req := range Requests(m.Input()) {
			err := Call(ctx, conn, m, req, perCall)
			calls++
			switch c := status.Code(err); {
			case c == codes.Internal, c == codes.Unknown:
				t.Errorf("%s, request %d (%s): %v", name, i, describe(req), err)
			case c == codes.DeadlineExceeded && !m.IsStreamingServer():
				t.Errorf("%s, request %d (%s): no answer within %v", name, i, describe(req), perCall)
			}
		}
	}
	t.Logf("swept %d methods with %d calls", len(methods), calls)
	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("after the sweep the server answers health with %v, %v", health, err)
	}
}

// Call calls m with req, unary or streaming, within timeout; for a stream
// it waits up to streamWait for the first answer.
func Call(ctx context.Context, conn *grpc.ClientConn, m protoreflect.MethodDescriptor, req proto.Message, timeout time.Duration) error {
	name := "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
	resp := dynamicpb.NewMessage(m.Output())
	if !m.IsStreamingClient() && !m.IsStreamingServer() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return conn.Invoke(ctx, name, req, resp)
	}
	ctx, cancel := context.WithTimeout(ctx, min(timeout, streamWait))
	defer cancel()
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: m.IsStreamingServer(), ClientStreams: m.IsStreamingClient()}, name)
	if err != nil {
		return err
	}
	if err := stream.SendMsg(req); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	// The first answer, or the end: a stream that is still open at the
	// deadline was accepted, which is an answer too.
	err = stream.RecvMsg(resp)
	if errors.Is(err, io.EOF) || status.Code(err) == codes.DeadlineExceeded {
		return nil
	}
	return err
}

// describe shortens a request for a failure message.
func describe(m proto.Message) string {
	s := fmt.Sprint(m)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
