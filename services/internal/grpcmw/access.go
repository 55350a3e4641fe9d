package grpcmw

import (
	"context"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
)

// Authenticator identifies the caller of a call from its metadata and
// returns a context that carries who it is. It returns an error wrapping
// apierror.ErrUnauthenticated for missing, malformed, forged or expired
// credentials.
type Authenticator interface {
	Authenticate(ctx context.Context, fullMethod string) (context.Context, error)
}

// Auditor records the calls a service's table marks as audited, whatever
// their outcome, including calls refused before their handler ran.
type Auditor interface {
	Audit(ctx context.Context, call AuditedCall)
}

// AuditedCall is one call for the audit log. The request id is in the
// context the Auditor gets.
type AuditedCall struct {
	Method string
	// Request is the request message; nil for a stream refused before it
	// sent one.
	Request any
	// Target is the tenant or subject the rule read from the request, if
	// any.
	Target string
	// Actor is the authenticated subject; "" if the call was not (or could
	// not be) authenticated.
	Actor string
	// Err is the call's outcome; nil is OK.
	Err error
}

// Access enforces a service's authorization table on every call, in this
// order: the method must have a row (a method without one is refused);
// authentication (not for Public rows); the caller-level rule (platform
// admins); the request's protovalidate rules; the request-level rule (a
// role in the tenant the request names, or being the subject it names);
// then the handler. Calls the table audits are recorded with their final
// outcome, refusals included.
//
// An authenticated caller's stream ends when its token expires, and each
// caller holds at most maxStreams streams open at once.
func Access(table *access.Table, authenticator Authenticator, v protovalidate.Validator, auditor Auditor, maxStreams int) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	g := gate{table: table, authn: authenticator, v: v, auditor: auditor, streams: &streams{max: maxStreams, open: map[string]int{}}}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		rule, ctx, err := g.admitCaller(ctx, info.FullMethod)
		if rule.Audit {
			ctx = context.WithValue(ctx, auditNoteKey{}, &auditNote{})
		}
		defer func() { g.audit(ctx, rule, info.FullMethod, req, err) }()
		if err == nil {
			err = g.admitRequest(ctx, rule, req)
		}
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
	streaming := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		rule, ctx, err := g.admitCaller(ss.Context(), info.FullMethod)
		s := &gatedStream{ServerStream: ss, ctx: ctx, gate: g, rule: rule}
		defer func() { g.audit(ctx, rule, info.FullMethod, s.first, err) }()
		if err != nil {
			return err
		}
		claims, cerr := authn.Claims(ctx)
		if cerr != nil { // public and service-to-service streams
			return handler(srv, s)
		}
		return g.streams.guardStream(ctx, claims, func(ctx context.Context) error {
			s.ctx = ctx
			return handler(srv, s)
		})
	}
	return unary, streaming
}

type gate struct {
	streams *streams
	table   *access.Table
	authn   Authenticator
	v       protovalidate.Validator
	auditor Auditor
}

// admitCaller finds the method's rule, authenticates and applies the
// caller-level rule. The context it returns carries the caller, when known,
// even on error, so that a refusal is audited with its actor.
func (g gate) admitCaller(ctx context.Context, method string) (access.Rule, context.Context, error) {
	rule, ok := g.table.Rule(method)
	if !ok {
		return rule, ctx, fmt.Errorf("%s has no authorization rule: %w", method, apierror.ErrPermissionDenied)
	}
	// Landlord's services prove who they are with client certificates.
	anonymous := rule.Who == access.Public || rule.Who == access.LandlordService ||
		(rule.Who == access.LocalOrAuthenticated && access.Loopback(ctx))
	if !anonymous {
		if g.authn == nil {
			return rule, ctx, fmt.Errorf("this server authenticates no one: %w", apierror.ErrUnauthenticated)
		}
		authed, err := g.authn.Authenticate(ctx, method)
		if err != nil {
			return rule, ctx, err
		}
		ctx = authed
	}
	return rule, ctx, g.table.AdmitsCaller(ctx, rule)
}

// admitRequest validates the request, then applies the request-level rule,
// which may read the tenant or subject from it.
func (g gate) admitRequest(ctx context.Context, rule access.Rule, req any) error {
	if err := validate(g.v, req); err != nil {
		return err
	}
	return g.table.AdmitsRequest(ctx, rule, req)
}

func (g gate) audit(ctx context.Context, rule access.Rule, method string, req any, err error) {
	if !rule.Audit || g.auditor == nil {
		return
	}
	call := AuditedCall{Method: method, Request: req, Err: err}
	if rule.Target != nil && req != nil {
		call.Target = rule.Target(req)
	}
	if claims, cerr := authn.Claims(ctx); cerr == nil {
		call.Actor = claims.Subject
	}
	if n, ok := ctx.Value(auditNoteKey{}).(*auditNote); ok {
		if call.Actor == "" {
			call.Actor = n.actor
		}
		if n.target != "" {
			call.Target = n.target
		}
	}
	g.auditor.Audit(ctx, call)
}

// gatedStream admits each message a client streams: validation and the
// request-level rule, as for a unary request.
type gatedStream struct {
	grpc.ServerStream
	ctx   context.Context
	gate  gate
	rule  access.Rule
	first any
}

func (s *gatedStream) Context() context.Context { return s.ctx }

func (s *gatedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if s.first == nil {
		s.first = m
	}
	return s.gate.admitRequest(s.ctx, s.rule, m)
}

type auditNoteKey struct{}

// auditNote is what an audited unary handler adds to its call's event.
type auditNote struct{ actor, target string }

// NoteAudit lets the handler of an audited unary call name, for the audit
// log, whom a public call signed in (actor, used when the call carried no
// token) and what it was about (target), when the request cannot say (a
// device login's poll carries only a secret). Elsewhere it does nothing.
func NoteAudit(ctx context.Context, actor, target string) {
	if n, ok := ctx.Value(auditNoteKey{}).(*auditNote); ok {
		n.actor, n.target = actor, target
	}
}
