package quickstart

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// outcome is what a user sees of one call: its code and message, and the
// answer without what differs between any two calls (times, etags,
// tokens) and with the transport's own tenant name replaced by TENANT.
type outcome struct {
	Code    codes.Code
	Message string
	Answer  string
}

// volatile are the JSON fields no two calls share.
var volatile = map[string]bool{"createTime": true, "updateTime": true, "etag": true, "uid": true,
	"accessToken": true, "refreshToken": true, "accessTokenExpireTime": true, "refreshTokenExpireTime": true,
	"lastTransitionTime": true, "observedTime": true, "sampleTime": true, "requestId": true}

func scrub(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if volatile[k] {
				delete(v, k)
			} else {
				v[k] = scrub(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = scrub(e)
		}
	}
	return v
}

// world is one transport's run: its tenant, the member's token.
type world struct {
	t      *testing.T
	tr     transport
	admin  string // the platform admin's token
	tenant string // this run's own tenant
	other  string // a tenant the member does not belong to
	member string // ann's token, once she has logged in as a member
	seen   []string
	got    map[string]outcome
	again  map[string]func(transport) outcome // liveReads, asked again over either transport
}

// do makes a call and records its outcome under step.
func (w *world) do(step, method, token string, req, resp proto.Message) outcome {
	w.t.Helper()
	o := w.call(method, token, req, resp)
	w.seen = append(w.seen, step)
	w.got[step] = o
	if liveReads[step] {
		w.again[step] = func(tr transport) outcome { return w.callVia(tr, method, token, req, proto.Clone(resp)) }
	}
	return o
}

// liveReads are the steps whose answers count what the cluster holds:
// two tenants' counts may differ for minutes (Kubernetes' quota
// controller recounts an object created with the namespace's quota at its
// next full resync), so these compare one tenant read both ways at once.
var liveReads = map[string]bool{"ann reads the quota": true, "ann reads the usage": true}

func (w *world) call(method, token string, req, resp proto.Message) outcome {
	w.t.Helper()
	return w.callVia(w.tr, method, token, req, resp)
}

func (w *world) callVia(tr transport, method, token string, req, resp proto.Message) outcome {
	w.t.Helper()
	proto.Reset(resp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := tr.call(ctx, method, token, req, resp)
	o := outcome{Code: st.Code(), Message: strings.ReplaceAll(st.Message(), w.tenant, "TENANT")}
	if st.Code() == codes.OK {
		data, err := protojson.Marshal(resp)
		if err != nil {
			w.t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			w.t.Fatal(err)
		}
		norm, _ := json.Marshal(scrub(v)) // encoding/json sorts keys: comparable text
		o.Answer = strings.ReplaceAll(string(norm), w.tenant, "TENANT")
	}
	return o
}

// want fails the step unless its outcome has code.
func (w *world) want(step string, o outcome, code codes.Code) {
	w.t.Helper()
	if o.Code != code {
		w.t.Errorf("%s %s: %v %q, want %v", w.tr.name(), step, o.Code, o.Message, code)
	}
}

// run is the quick start's tenant, member, quota and usage cases, as the
// platform admin and then as a member (ann) and an outsider (eve). An
// outsider learns nothing of a tenant, not even that it exists: NOT_FOUND.
func (w *world) run(plan string) {
	const (
		ps  = "/landlord.provisioning.v1.TenantService/"
		ms  = "/landlord.identity.v1.MembershipService/"
		as  = "/landlord.identity.v1.AuthService/"
		qs  = "/landlord.quota.v1.TenantQuotaService/"
		obs = "/landlord.observability.v1.ObservabilityService/"
	)
	tenant := &provisioningv1.Tenant{Name: w.tenant, Plan: plan, Namespaces: []*provisioningv1.Namespace{{Name: "web"}}}
	w.want("admin creates the tenant", w.do("admin creates the tenant", ps+"CreateTenant", w.admin,
		&provisioningv1.CreateTenantRequest{Tenant: tenant}, &provisioningv1.CreateTenantResponse{}), codes.OK)
	w.want("admin creates it again", w.do("admin creates it again", ps+"CreateTenant", w.admin,
		&provisioningv1.CreateTenantRequest{Tenant: tenant}, &provisioningv1.CreateTenantResponse{}), codes.AlreadyExists)
	w.want("a bad tenant name", w.do("a bad tenant name", ps+"CreateTenant", w.admin,
		&provisioningv1.CreateTenantRequest{Tenant: &provisioningv1.Tenant{Name: "Not_A_Name", Plan: plan}}, &provisioningv1.CreateTenantResponse{}), codes.InvalidArgument)
	w.want("an unknown plan", w.do("an unknown plan", ps+"CreateTenant", w.admin,
		&provisioningv1.CreateTenantRequest{Tenant: &provisioningv1.Tenant{Name: w.tenant + "-x", Plan: "no-such-plan"}}, &provisioningv1.CreateTenantResponse{}), codes.InvalidArgument)
	w.want("no token", w.do("no token", ps+"GetTenant", "",
		&provisioningv1.GetTenantRequest{Name: w.tenant}, &provisioningv1.GetTenantResponse{}), codes.Unauthenticated)

	ann := &identityv1.Membership{Tenant: w.tenant, Subject: "user:ann", Role: identityv1.Role_ROLE_EDITOR}
	w.want("admin makes ann an editor", w.do("admin makes ann an editor", ms+"SetMembership", w.admin,
		&identityv1.SetMembershipRequest{Membership: ann}, &identityv1.SetMembershipResponse{}), codes.OK)
	w.want("a bad subject", w.do("a bad subject", ms+"SetMembership", w.admin,
		&identityv1.SetMembershipRequest{Membership: &identityv1.Membership{Tenant: w.tenant, Subject: "ann", Role: identityv1.Role_ROLE_EDITOR}}, &identityv1.SetMembershipResponse{}), codes.InvalidArgument)

	login := &identityv1.LoginResponse{}
	w.want("ann logs in", w.do("ann logs in", as+"Login", "", &identityv1.LoginRequest{Username: "ann", Password: annPassword}, login), codes.OK)
	w.member = login.GetTokens().GetAccessToken()
	w.want("a wrong password", w.do("a wrong password", as+"Login", "", &identityv1.LoginRequest{Username: "ann", Password: "not her password"}, &identityv1.LoginResponse{}), codes.Unauthenticated)
	login = &identityv1.LoginResponse{}
	w.do("eve logs in", as+"Login", "", &identityv1.LoginRequest{Username: "eve", Password: evePassword}, login)
	eve := login.GetTokens().GetAccessToken()

	w.want("ann lists the members", w.do("ann lists the members", ms+"ListMemberships", w.member,
		&identityv1.ListMembershipsRequest{Tenant: w.tenant}, &identityv1.ListMembershipsResponse{}), codes.OK)
	w.want("eve lists the members", w.do("eve lists the members", ms+"ListMemberships", eve,
		&identityv1.ListMembershipsRequest{Tenant: w.tenant}, &identityv1.ListMembershipsResponse{}), codes.NotFound)
	w.want("ann makes herself admin", w.do("ann makes herself admin", ms+"SetMembership", w.member,
		&identityv1.SetMembershipRequest{Membership: &identityv1.Membership{Tenant: w.tenant, Subject: "user:ann", Role: identityv1.Role_ROLE_ADMIN}}, &identityv1.SetMembershipResponse{}), codes.PermissionDenied)

	// Both transports compare the tenant once it is Active.
	devclustertest.Eventually(w.t, 90*time.Second, func() error {
		resp := &provisioningv1.GetTenantResponse{}
		if st := w.tr.call(context.Background(), ps+"GetTenant", w.admin, &provisioningv1.GetTenantRequest{Name: w.tenant}, resp); st.Err() != nil {
			return st.Err()
		}
		if resp.GetTenant().GetPhase() != provisioningv1.Phase_PHASE_ACTIVE {
			return errPhase(resp.GetTenant().GetPhase())
		}
		return nil
	})
	w.want("ann reads the tenant", w.do("ann reads the tenant", ps+"GetTenant", w.member,
		&provisioningv1.GetTenantRequest{Name: w.tenant}, &provisioningv1.GetTenantResponse{}), codes.OK)
	w.want("ann reads another tenant", w.do("ann reads another tenant", ps+"GetTenant", w.member,
		&provisioningv1.GetTenantRequest{Name: w.other}, &provisioningv1.GetTenantResponse{}), codes.NotFound)
	w.want("ann reads a tenant that does not exist", w.do("ann reads a tenant that does not exist", ps+"GetTenant", w.member,
		&provisioningv1.GetTenantRequest{Name: "no-such-tenant"}, &provisioningv1.GetTenantResponse{}), codes.NotFound)
	w.want("ann changes the plan", w.do("ann changes the plan", ps+"UpdateTenant", w.member,
		&provisioningv1.UpdateTenantRequest{Tenant: &provisioningv1.Tenant{Name: w.tenant, Plan: "enterprise"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"plan"}}},
		&provisioningv1.UpdateTenantResponse{}), codes.PermissionDenied)
	w.want("ann adds a namespace", w.do("ann adds a namespace", ps+"CreateNamespace", w.member,
		&provisioningv1.CreateNamespaceRequest{Tenant: w.tenant, Namespace: &provisioningv1.Namespace{Name: "api"}}, &provisioningv1.CreateNamespaceResponse{}), codes.PermissionDenied)

	w.want("ann reads the quota", w.do("ann reads the quota", qs+"GetTenantQuota", w.member,
		&quotav1.GetTenantQuotaRequest{Tenant: w.tenant}, &quotav1.GetTenantQuotaResponse{}), codes.OK)
	w.want("ann raises the budget", w.do("ann raises the budget", qs+"UpdateTenantQuota", w.member,
		&quotav1.UpdateTenantQuotaRequest{Tenant: w.tenant, Overrides: &quotav1.Overrides{Budget: map[string]string{"requests.cpu": "64"}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budget"}}}, &quotav1.UpdateTenantQuotaResponse{}), codes.PermissionDenied)
	w.want("eve reads the quota", w.do("eve reads the quota", qs+"GetTenantQuota", eve,
		&quotav1.GetTenantQuotaRequest{Tenant: w.tenant}, &quotav1.GetTenantQuotaResponse{}), codes.NotFound)

	w.want("ann reads the usage", w.do("ann reads the usage", obs+"GetTenantUsage", w.member,
		&observabilityv1.GetTenantUsageRequest{Tenant: w.tenant}, &observabilityv1.GetTenantUsageResponse{}), codes.OK)
	w.want("ann reads another tenant's usage", w.do("ann reads another tenant's usage", obs+"GetTenantUsage", w.member,
		&observabilityv1.GetTenantUsageRequest{Tenant: w.other}, &observabilityv1.GetTenantUsageResponse{}), codes.NotFound)
}

type errPhase provisioningv1.Phase

func (e errPhase) Error() string { return "phase " + provisioningv1.Phase(e).String() }
