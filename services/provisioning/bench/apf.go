package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	flowac "k8s.io/client-go/applyconfigurations/flowcontrol/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	shared "github.com/landlord-dev/landlord/services/internal/bench"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// apfFieldManager applies the APF bench's objects.
const apfFieldManager = "landlord-bench-apf"

// APFOptions are what RunAPF measures and how much.
type APFOptions struct {
	// Kube is the dev cluster's admin, who impersonates the probe users.
	Kube *rest.Config
	// Tenants are rendered into the flow schemas, all on one tier (so
	// both probe users land in the same priority level).
	Tenants int
	// Workers send requests concurrently for Round, Rounds times per
	// user, the users alternating.
	Workers int
	Round   time.Duration
	Rounds  int
	// Legacy also measures the layout the tier schemas replaced: one flow
	// schema per tenant.
	Legacy bool
}

// RunAPF measures what the API server's flow schema match costs at
// o.Tenants tenants: the request throughput of a user classified by the
// first subject of the first tier flow schema against one classified by
// the last group subject of the last shard, in the same run. The schemas
// are rendered (render.TierFlowSchemas) and applied directly; no operator
// runs. The request is a SelfSubjectReview, which every user may make and
// which costs the API server little besides authentication, impersonation
// and classification.
func RunAPF(ctx context.Context, w io.Writer, o APFOptions) error {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	cfg := rest.CopyConfig(o.Kube)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	for _, tier := range render.TierNames() {
		if err := apply(ctx, c, render.PriorityLevel(tier, render.Tiers[tier])); err != nil {
			return err
		}
	}
	const tier = "enterprise" // first by name: its shard 0 is the first shard
	var members []render.TierMember
	for i := range o.Tenants {
		name := fmt.Sprintf("apf-%05d", i)
		members = append(members, render.TierMember{Tenant: name, Tier: tier, Namespaces: []string{name + "-web"}})
	}
	schemas := render.TierFlowSchemas(members)
	named := map[string]*flowac.FlowSchemaApplyConfiguration{}
	subjects := 0
	for _, fs := range schemas {
		named[*fs.Name] = fs
		subjects += len(fs.Spec.Rules[0].Subjects)
	}
	firstShard, lastShard := render.TierFlowSchemaName(tier, 0), render.TierFlowSchemaName(tier, render.TierShards-1)
	first, last := groupSubjects(named[firstShard]), groupSubjects(named[lastShard])
	if len(first) == 0 || len(last) == 0 {
		return errors.New("apf: too few tenants to fill the first and last shards")
	}
	fmt.Fprintf(w, "bench-apf: %d tenants (%d subjects) in %d flow schemas of tier %s, %d workers, %d rounds of %s per user\n",
		o.Tenants, subjects, len(schemas), tier, o.Workers, o.Rounds, o.Round)

	for _, fs := range schemas {
		if err := apply(ctx, c, fs); err != nil {
			return err
		}
	}
	defer func() {
		for _, name := range render.TierFlowSchemaNames() {
			_ = c.Delete(context.Background(), flowSchemaNamed(name))
		}
	}()
	// Members' tokens carry their tiers' groups (identity adds them): the
	// first users schema against the last, behind which the shards come.
	names := render.TierFlowSchemaNames()
	firstTier, lastTier := named[names[0]].Labels[render.LabelAPITier], named[names[len(render.Tiers)-1]].Labels[render.LabelAPITier]
	firstUser := probe{cfg: cfg, user: "bench:first", group: roles.TierGroup(firstTier)}
	lastUser := probe{cfg: cfg, user: "bench:last", group: roles.TierGroup(lastTier)}
	tierRatio, err := compare(ctx, w, o, "members, by the tier group their tokens carry", c, &firstUser, names[0], &lastUser, names[len(render.Tiers)-1])
	if err != nil {
		return err
	}
	// Tokens issued before identity knew a tenant's tier fall back to the
	// role groups in the shards: the first shard's first against the last
	// shard's last, the whole tier's subjects before it.
	firstUser = probe{cfg: cfg, user: "bench:first-role", group: first[0]}
	lastUser = probe{cfg: cfg, user: "bench:last-role", group: last[len(last)-1]}
	shardRatio, err := compare(ctx, w, o, "members by role group (tokens without a tier group)", c, &firstUser, firstShard, &lastUser, lastShard)
	if err != nil {
		return err
	}
	shared.Row(w, "last/first, tier group vs role group", fmt.Sprintf("%.3f vs %.3f", tierRatio, shardRatio))
	if !o.Legacy {
		return nil
	}
	for _, name := range render.TierFlowSchemaNames() {
		if err := c.Delete(ctx, flowSchemaNamed(name)); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	legacy := make([]*flowac.FlowSchemaApplyConfiguration, len(members))
	for i, m := range members {
		legacy[i] = legacySchema(m)
	}
	defer func() {
		_ = c.DeleteAllOf(context.Background(), &flowcontrolv1.FlowSchema{}, client.MatchingLabels{render.LabelManagedBy: apfFieldManager})
	}()
	if err := applyAll(ctx, c, legacy, o.Workers); err != nil {
		return err
	}
	firstUser = probe{cfg: cfg, user: "bench:first", group: "landlord:tenant:" + members[0].Tenant + ":owner"}
	lastUser = probe{cfg: cfg, user: "bench:last", group: "landlord:tenant:" + members[len(members)-1].Tenant + ":viewer"}
	legacyRatio, err := compare(ctx, w, o, "one schema per tenant", c, &firstUser, *legacy[0].Name, &lastUser, *legacy[len(legacy)-1].Name)
	if err != nil {
		return err
	}
	shared.Row(w, "last/first, tier vs per-tenant", fmt.Sprintf("%.3f vs %.3f", tierRatio, legacyRatio))
	return nil
}

// compare waits until the API server classifies each probe user into its
// schema, then measures both, alternating, and prints and returns the
// ratio of the last user's throughput to the first's.
func compare(ctx context.Context, w io.Writer, o APFOptions, layout string, c client.Client, first *probe, firstSchema string, last *probe, lastSchema string) (float64, error) {
	start := time.Now()
	for _, p := range []struct {
		probe  *probe
		schema string
	}{{first, firstSchema}, {last, lastSchema}} {
		fs := &flowcontrolv1.FlowSchema{}
		if err := c.Get(ctx, client.ObjectKey{Name: p.schema}, fs); err != nil {
			return 0, err
		}
		if err := p.probe.waitClassified(ctx, string(fs.UID)); err != nil {
			return 0, fmt.Errorf("%s: %w", p.schema, err)
		}
	}
	classified := time.Since(start)
	if _, err := first.throughput(ctx, o.Workers, o.Round/2); err != nil { // warm up
		return 0, err
	}
	var firstPS, lastPS []float64
	for r := range o.Rounds {
		order := []*probe{first, last}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, p := range order {
			ps, err := p.throughput(ctx, o.Workers, o.Round)
			if err != nil {
				return 0, err
			}
			if p == first {
				firstPS = append(firstPS, ps)
			} else {
				lastPS = append(lastPS, ps)
			}
		}
	}
	f, l := mean(firstPS), mean(lastPS)
	fmt.Fprintf(w, " %s:\n", layout)
	shared.Row(w, "applied until classified", shared.Ms(classified))
	shared.Row(w, "first subject ("+firstSchema+")", fmt.Sprintf("%.0f req/s  %v", f, rounded(firstPS)))
	shared.Row(w, "last subject ("+lastSchema+")", fmt.Sprintf("%.0f req/s  %v", l, rounded(lastPS)))
	shared.Row(w, "last/first", fmt.Sprintf("%.3f", l/f))
	return l / f, nil
}

// probe is a user the admin impersonates, in one group.
type probe struct {
	cfg         *rest.Config
	user, group string
	http        *http.Client // impersonating user and group, made by the first review
}

var selfSubjectReview = []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)

// review makes one SelfSubjectReview and returns the UID of the flow
// schema that classified it.
func (p *probe) review(ctx context.Context) (string, error) {
	if p.http == nil {
		cfg := rest.CopyConfig(p.cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: p.user, Groups: []string{p.group}}
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return "", err
		}
		p.http = hc
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.Host+"/apis/authentication.k8s.io/v1/selfsubjectreviews", bytes.NewReader(selfSubjectReview))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("SelfSubjectReview as %s: %s", p.user, resp.Status)
	}
	return resp.Header.Get("X-Kubernetes-PF-FlowSchema-UID"), nil
}

// waitClassified waits until the API server's flow control has the
// schema with uid and puts p's requests there. After many flow schema
// changes that takes a while: the API server's APF controller reloads its
// whole configuration on each.
func (p *probe) waitClassified(ctx context.Context, uid string) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got, err := p.review(ctx)
		if err != nil {
			return err
		}
		if got == uid {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s's requests matched flow schema %s, want %s", p.group, got, uid)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// throughput is p's SelfSubjectReviews per second from workers for d.
func (p *probe) throughput(ctx context.Context, workers int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	start := time.Now()
	for i := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := p.review(ctx); err != nil {
					if ctx.Err() == nil {
						errs[i] = err
					}
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), errors.Join(errs...)
}

// groupSubjects are the names of fs's group subjects, in order.
func groupSubjects(fs *flowac.FlowSchemaApplyConfiguration) []string {
	var out []string
	for _, s := range fs.Spec.Rules[0].Subjects {
		if s.Group != nil && *s.Group.Name != render.NoTenantsGroup {
			out = append(out, *s.Group.Name)
		}
	}
	return out
}

// legacySchema is m's flow schema as Landlord made one per tenant before
// the tier schemas: the same rules and subjects, alone in its schema.
func legacySchema(m render.TierMember) *flowac.FlowSchemaApplyConfiguration {
	rule := flowac.PolicyRulesWithSubjects().
		WithResourceRules(flowac.ResourcePolicyRule().WithVerbs("*").WithAPIGroups("*").WithResources("*").
			WithClusterScope(true).WithNamespaces("*")).
		WithNonResourceRules(flowac.NonResourcePolicyRule().WithVerbs("*").WithNonResourceURLs("*"))
	for _, role := range []string{"owner", "admin", "editor", "viewer"} {
		rule.WithSubjects(flowac.Subject().WithKind(flowcontrolv1.SubjectKindGroup).
			WithGroup(flowac.GroupSubject().WithName("landlord:tenant:" + m.Tenant + ":" + role)))
	}
	for _, ns := range m.Namespaces {
		rule.WithSubjects(flowac.Subject().WithKind(flowcontrolv1.SubjectKindServiceAccount).
			WithServiceAccount(flowac.ServiceAccountSubject().WithNamespace(ns).WithName("*")))
	}
	return flowac.FlowSchema(render.LegacyFlowSchemaName(m.Tenant)).
		WithLabels(map[string]string{render.LabelManagedBy: apfFieldManager}).
		WithSpec(flowac.FlowSchemaSpec().
			WithPriorityLevelConfiguration(flowac.PriorityLevelConfigurationReference().WithName(render.PriorityLevelName(m.Tier))).
			WithMatchingPrecedence(8000).
			WithDistinguisherMethod(flowac.FlowDistinguisherMethod().WithType(flowcontrolv1.FlowDistinguisherMethodByUserType)).
			WithRules(rule))
}

func apply(ctx context.Context, c client.Client, ac runtime.ApplyConfiguration) error {
	return c.Apply(ctx, ac, client.FieldOwner(apfFieldManager), client.ForceOwnership)
}

// applyAll applies acs with workers at once.
func applyAll(ctx context.Context, c client.Client, acs []*flowac.FlowSchemaApplyConfiguration, workers int) error {
	next := make(chan *flowac.FlowSchemaApplyConfiguration)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for ac := range next {
				if err := apply(ctx, c, ac); err != nil && errs[i] == nil {
					errs[i] = err
				}
			}
		})
	}
	for _, ac := range acs {
		next <- ac
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

func flowSchemaNamed(name string) *flowcontrolv1.FlowSchema {
	return &flowcontrolv1.FlowSchema{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func rounded(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x + 0.5)
	}
	return out
}
