// Package buildinfo holds what the linker stamps into every Landlord binary.
package buildinfo

import (
	"runtime"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
)

// Set with -ldflags "-X github.com/landlord-dev/landlord/services/internal/buildinfo.Version=..."
// by the Makefile; a plain `go build` leaves the defaults.
var (
	Version   = "dev"
	Commit    = ""
	BuildTime = "" // RFC 3339
)

// Info describes this binary as the named service.
func Info(service string) *metav1.Info {
	info := &metav1.Info{
		Service:   service,
		Version:   Version,
		Commit:    Commit,
		GoVersion: runtime.Version(),
	}
	if t, err := time.Parse(time.RFC3339, BuildTime); err == nil {
		info.BuildTime = timestamppb.New(t)
	}
	return info
}
