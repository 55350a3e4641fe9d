// Command landlordctl is Landlord's command line for people: log in,
// manage tenants, members and quotas, and give kubectl a context whose
// tokens stay fresh.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/landlord-dev/landlord/services/landlordctl/cli"
	"github.com/landlord-dev/landlord/services/landlordctl/errmap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.New(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", errmap.Line(err))
		os.Exit(1)
	}
}
