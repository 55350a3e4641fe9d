package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	creds "github.com/landlord-dev/landlord/services/landlordctl/credentials"
)

// TestTokenPrintsExecCredential: the shape kubectl's exec plugin
// machinery reads, from a cached token that needs no refresh.
func TestTokenPrintsExecCredential(t *testing.T) {
	dir := t.TempDir()
	exp := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	if err := (creds.Store{Dir: dir}).Save(&creds.Tokens{AccessToken: "tok", AccessExpiry: exp, RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	root := New(nil, &out, &out)
	root.SetArgs([]string{"--config-dir", dir, "token"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var cred struct {
		APIVersion, Kind string
		Status           struct {
			Token               string
			ExpirationTimestamp time.Time
		}
	}
	if err := json.Unmarshal(out.Bytes(), &cred); err != nil {
		t.Fatal(err)
	}
	if cred.APIVersion != "client.authentication.k8s.io/v1" || cred.Kind != "ExecCredential" ||
		cred.Status.Token != "tok" || !cred.Status.ExpirationTimestamp.Equal(exp) {
		t.Errorf("ExecCredential = %s", out.String())
	}
}

func TestPasswordNeedsTerminalOrStdin(t *testing.T) {
	a := &app{in: strings.NewReader("pw\n"), out: &bytes.Buffer{}}
	user := "ann"
	if _, err := a.credentialsFromUser(&user, false); err == nil || !strings.Contains(err.Error(), "--password-stdin") {
		t.Errorf("no terminal: %v", err)
	}
	if pw, err := a.credentialsFromUser(&user, true); err != nil || pw != "pw" {
		t.Errorf("stdin: %q %v", pw, err)
	}
	a = &app{in: strings.NewReader("bob\n"), out: &bytes.Buffer{}}
	user = ""
	if _, err := a.credentialsFromUser(&user, true); err == nil {
		t.Error("--password-stdin without a user name accepted")
	}
}
