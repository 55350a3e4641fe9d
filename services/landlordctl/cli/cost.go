package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/landlordctl/output"
)

// money renders micros of a currency as "12.345678 EUR".
func money(micros int64, currency string) string {
	return fmt.Sprintf("%d.%06d %s", micros/1e6, abs(micros%1e6), currency)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func costTable(r *observabilityv1.CostReport) output.Table {
	t := output.Table{Header: []string{"NAMESPACE", "CPU CORE-HOURS", "COST"}}
	row := func(name string, p *observabilityv1.CostPoint) []string {
		return []string{name, strconv.FormatFloat(p.GetCpu().GetRequestedHours(), 'f', 2, 64), money(p.GetTotalCostMicros(), p.GetCurrencyCode())}
	}
	for _, n := range r.GetNamespaces() {
		t.Rows = append(t.Rows, row(n.GetNamespace(), n.GetTotal()))
	}
	t.Rows = append(t.Rows, row("(total)", r.GetTotal()))
	return t
}

func (a *app) costCmd() *cobra.Command {
	var since, step time.Duration
	cmd := &cobra.Command{
		Use:   "cost TENANT",
		Short: "Show what a tenant's requested resources cost (showback)",
		Example: `  landlordctl cost acme                 # the last 24 hours, per namespace
  landlordctl cost acme --since 720h --step 24h -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), observabilityAddr)
			if err != nil {
				return err
			}
			now := time.Now()
			resp, err := observabilityv1.NewCostServiceClient(conn).GetCostReport(ctx, &observabilityv1.GetCostReportRequest{
				Tenant: args[0], StartTime: timestamppb.New(now.Add(-since)), EndTime: timestamppb.New(now),
				Step: durationpb.New(step), GroupBy: observabilityv1.CostGroupBy_COST_GROUP_BY_NAMESPACE})
			if err != nil {
				return err
			}
			return a.print(resp.GetReport(), costTable(resp.GetReport()))
		},
	}
	cmd.Flags().DurationVar(&since, "since", 24*time.Hour, "how far back the report starts")
	cmd.Flags().DurationVar(&step, "step", time.Hour, "the report's resolution")
	return cmd
}

func (a *app) eventsCmd() *cobra.Command {
	var namespace string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "events TENANT",
		Short: "Stream a tenant's Kubernetes events until interrupted",
		Example: `  landlordctl events acme
  landlordctl events acme --namespace web --since 1h -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, conn, err := a.service(cmd.Context(), observabilityAddr)
			if err != nil {
				return err
			}
			req := &observabilityv1.WatchTenantEventsRequest{Tenant: args[0], Namespace: namespace}
			if since > 0 {
				req.Since = timestamppb.New(time.Now().Add(-since))
			}
			stream, err := observabilityv1.NewEventServiceClient(conn).WatchTenantEvents(ctx, req)
			if err != nil {
				return err
			}
			for first := true; ; first = false {
				resp, err := stream.Recv()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				e := resp.GetEvent()
				t := output.Table{Rows: [][]string{{age(e.GetLastTime()), e.GetNamespace(), e.GetType(), e.GetReason(),
					e.GetInvolvedObject().GetKind() + "/" + e.GetInvolvedObject().GetName(), e.GetMessage()}}}
				if first {
					t.Header = []string{"LAST SEEN", "NAMESPACE", "TYPE", "REASON", "OBJECT", "MESSAGE"}
				}
				if a.output == "yaml" {
					fmt.Fprintln(a.out, "---")
				}
				if err := a.print(e, t); err != nil {
					return err
				}
			}
		},
	}
	cmd.Flags().StringVar(&namespace, "namespace", "", "only this namespace of the tenant")
	cmd.Flags().DurationVar(&since, "since", 0, "also replay events this far back")
	return cmd
}
