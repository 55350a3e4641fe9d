package provisioning_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/testing/sweep"
	"github.com/landlord-dev/landlord/services/provisioning/internal/api"
)

// TestStrangersCannotTellAnExistingTenantFromAMissingOne calls every RPC
// that names a tenant, as a user with no role in it: for a tenant that
// exists and one that never did, the answer is the same NOT_FOUND.
func TestStrangersCannotTellAnExistingTenantFromAMissingOne(t *testing.T) {
	s := started(t)
	s.create(t, &provisioningv1.Tenant{Name: "hidden", Plan: "standard", Namespaces: []*provisioningv1.Namespace{{Name: "web"}}})
	stranger := s.member(t, "answer-stranger", "", 0)
	methods, err := sweep.Methods(stranger, s.provisioning)
	if err != nil {
		t.Fatal(err)
	}
	table, checked := api.Access(), 0
	for _, m := range methods {
		name := "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
		if rule, _ := table.Rule(name); rule.Who != access.TenantRole {
			continue
		}
		checked++
		var answers []string
		for _, tenant := range []string{"hidden", "never-was"} {
			err := sweep.Call(stranger, s.provisioning, m, naming(m.Input(), tenant), 10*time.Second)
			if status.Code(err) != codes.NotFound {
				t.Errorf("%s on %s as a stranger: %v, want NotFound", name, tenant, err)
			}
			answers = append(answers, strings.ReplaceAll(status.Convert(err).Message(), tenant, "T"))
		}
		if answers[0] != answers[1] {
			t.Errorf("%s tells an existing tenant (%q) from a missing one (%q)", name, answers[0], answers[1])
		}
	}
	if checked < 8 {
		t.Errorf("only %d tenant RPCs checked", checked)
	}
}

// naming is a valid request of type md about tenant.
func naming(md protoreflect.MessageDescriptor, tenant string) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	fields := md.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		switch {
		case f.Kind() == protoreflect.StringKind && (f.Name() == "name" || f.Name() == "tenant"):
			m.Set(f, protoreflect.ValueOfString(tenant))
		case f.Kind() != protoreflect.MessageKind || f.IsList():
		case f.Message().FullName() == "landlord.provisioning.v1.Tenant":
			m.Set(f, protoreflect.ValueOfMessage(naming(f.Message(), tenant)))
		case f.Message().FullName() == "landlord.provisioning.v1.Namespace":
			m.Set(f, protoreflect.ValueOfMessage(naming(f.Message(), "web")))
		case f.Message().FullName() == "google.protobuf.FieldMask":
			mask := dynamicpb.NewMessage(f.Message())
			paths := mask.Mutable(f.Message().Fields().ByName("paths")).List()
			paths.Append(protoreflect.ValueOfString("display_name"))
			m.Set(f, protoreflect.ValueOfMessage(mask))
		}
	}
	return m
}
