package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/landlord-dev/landlord/deploy/devcluster/internal/component"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(component.Run(ctx, os.Args[1], os.Args[2:]))
}
