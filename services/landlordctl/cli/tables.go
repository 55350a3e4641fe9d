package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

// print writes msg in the chosen format, tbl being its table.
func (a *app) print(msg proto.Message, tbl output.Table) error {
	return output.Print(a.out, a.output, msg, func() output.Table { return tbl })
}

// enumName drops an enum value's type prefix: PHASE_ACTIVE is Active.
func enumName(s, prefix string) string {
	s = strings.TrimPrefix(s, prefix)
	if s == "UNSPECIFIED" {
		return ""
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// age is how long ago ts was, as kubectl shows it.
func age(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	d := time.Since(ts.AsTime()).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// kv renders a map as sorted k=v pairs.
func kv(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ",")
}

func tenantTable(ts ...*provisioningv1.Tenant) output.Table {
	t := output.Table{Header: []string{"NAME", "PLAN", "PHASE", "NAMESPACES", "HIBERNATED", "AGE"}}
	for _, x := range ts {
		ns := make([]string, len(x.GetNamespaces()))
		for i, n := range x.GetNamespaces() {
			ns[i] = n.GetName()
		}
		t.Rows = append(t.Rows, []string{x.GetName(), x.GetPlan(), enumName(x.GetPhase().String(), "PHASE_"),
			strings.Join(ns, ","), strconv.FormatBool(x.GetHibernated()), age(x.GetCreateTime())})
	}
	return t
}

func namespaceTable(ns ...*provisioningv1.Namespace) output.Table {
	t := output.Table{Header: []string{"NAME", "CLUSTER NAMESPACE", "READY", "MESSAGE"}}
	for _, n := range ns {
		t.Rows = append(t.Rows, []string{n.GetName(), n.GetClusterName(), strconv.FormatBool(n.GetReady()), n.GetMessage()})
	}
	return t
}

func memberTable(ms ...*identityv1.Membership) output.Table {
	t := output.Table{Header: []string{"TENANT", "SUBJECT", "ROLE", "AGE"}}
	for _, m := range ms {
		t.Rows = append(t.Rows, []string{m.GetTenant(), m.GetSubject(), enumName(m.GetRole().String(), "ROLE_"), age(m.GetCreateTime())})
	}
	return t
}

func whoamiTable(w *identityv1.WhoAmIResponse) output.Table {
	roles := make([]string, len(w.GetMemberships()))
	for i, m := range w.GetMemberships() {
		roles[i] = m.GetTenant() + ":" + enumName(m.GetRole().String(), "ROLE_")
	}
	return output.Table{Header: []string{"USERNAME", "SUBJECT", "PLATFORM ADMIN", "TENANTS"},
		Rows: [][]string{{w.GetUsername(), w.GetSubject(), strconv.FormatBool(w.GetPlatformAdmin()), strings.Join(roles, ",")}}}
}

func planTable(ps ...*quotav1.Plan) output.Table {
	t := output.Table{Header: []string{"NAME", "MAX NAMESPACES", "BUDGET", "DESCRIPTION"}}
	for _, p := range ps {
		t.Rows = append(t.Rows, []string{p.GetName(), strconv.Itoa(int(p.GetMaxNamespaces())), kv(p.GetBudget()), p.GetDescription()})
	}
	return t
}

// quotaTable is one row per resource: the tenant's budget and use.
func quotaTable(q *quotav1.TenantQuota) output.Table {
	t := output.Table{Header: []string{"RESOURCE", "BUDGET", "USED", "OVER LIMIT"}}
	keys := make([]string, 0, len(q.GetBudget()))
	for k := range q.GetBudget() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		over := false
		for _, o := range q.GetOverLimit() {
			over = over || o == k
		}
		t.Rows = append(t.Rows, []string{k, q.GetBudget()[k], q.GetUsed()[k], strconv.FormatBool(over)})
	}
	return t
}

// usageTable is one row per namespace, and the tenant's total.
func usageTable(u *observabilityv1.TenantUsage) output.Table {
	t := output.Table{Header: []string{"NAMESPACE", "CPU REQUESTS", "MEMORY REQUESTS", "STORAGE", "PODS"}}
	row := func(name string, x *observabilityv1.Usage) []string {
		return []string{name, fmt.Sprintf("%dm", x.GetCpuRequestsMillicores()), size(x.GetMemoryRequestsBytes()),
			size(x.GetStorageRequestsBytes()), strconv.Itoa(int(x.GetObjects().GetPods()))}
	}
	for _, n := range u.GetNamespaces() {
		t.Rows = append(t.Rows, row(n.GetName(), n.GetUsage()))
	}
	t.Rows = append(t.Rows, row("(total)", u.GetTotal()))
	return t
}

func size(n int64) string {
	const mi = 1 << 20
	if n%mi == 0 || n >= 100*mi {
		return fmt.Sprintf("%dMi", n/mi)
	}
	return strconv.FormatInt(n, 10)
}
