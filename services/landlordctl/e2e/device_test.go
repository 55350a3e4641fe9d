package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/landlordctl/cli"
	"github.com/landlord-dev/landlord/services/landlordctl/errmap"
)

// TestDeviceLoginSignsInAsTheApprover: `login --device` on a machine
// without a password shows a code; another user's landlordctl approves
// it; the device is then signed in as that user, and the code is spent.
func TestDeviceLoginSignsInAsTheApprover(t *testing.T) {
	s := start(t)
	admin := adminLogin(t, s)
	user := fmt.Sprintf("ctl-dana-%d", time.Now().UnixNano()%1e6)
	if out, err := ctl(t, "dana's long password", append(admin, "users", "create", user, "--password-stdin")...); err != nil {
		t.Fatalf("users create: %v\n%s", err, out)
	}
	dana := login(t, s, user, "dana's long password")

	device := []string{"--config-dir", filepath.Join(t.TempDir(), "landlord")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		root := cli.New(strings.NewReader(""), pw, pw)
		root.SetArgs(append(device, "login", "--device",
			"--identity", s.Identity.Target(), "--provisioning", s.Provisioning.Addr(), "--quota", s.Quota.Addr(),
			"--observability", s.Observability.Addr(), "--ca", s.Env.Landlord.CACert))
		err := root.ExecuteContext(ctx)
		pw.Close()
		done <- err
	}()
	approveLine := regexp.MustCompile(`landlordctl login approve ([A-Z0-9]{4}-[A-Z0-9]{4})`)
	var code string
	lines := bufio.NewScanner(pr)
	for code == "" && lines.Scan() {
		if m := approveLine.FindStringSubmatch(lines.Text()); m != nil {
			code = m[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code == "" {
		t.Fatalf("no code shown; login --device: %v", <-done)
	}

	// Not logged in: no approval.
	if _, err := ctl(t, "", "--config-dir", filepath.Join(t.TempDir(), "nobody"), "login", "approve", code); err == nil {
		t.Error("approved without a login")
	}
	if out, err := ctl(t, "", append(dana, "login", "approve", strings.ToLower(code))...); err != nil || !strings.Contains(out, "Approved") {
		t.Fatalf("login approve: %v\n%s", err, out)
	}
	if err := <-done; err != nil {
		t.Fatalf("login --device: %s", errmap.Line(err))
	}
	var who struct{ Username string }
	if out, err := ctl(t, "", append(device, "whoami", "-o", "json")...); err != nil || json.Unmarshal([]byte(out), &who) != nil || who.Username != user {
		t.Errorf("whoami on the device: %v %+v\n%s", err, who, out)
	}
	// The code is spent: approving it again finds nothing.
	if _, err := ctl(t, "", append(admin, "login", "approve", code)...); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("approving a spent code: %v", err)
	}
}
