package integration

import (
	"net/http"
	"testing"
	"time"
)

// TestDeviceLoginOverREST: a device starts a login and polls over REST;
// a signed-in user approves it over REST; the device's token is that
// user's. Approving needs the user's token, which the gateway passes on.
func TestDeviceLoginOverREST(t *testing.T) {
	e := started(t)
	bea := e.user(t, "gw-bea")

	started := e.call(t, http.MethodPost, "/v1/auth/device:start", "", map[string]any{})
	if started.code != http.StatusOK {
		t.Fatalf("start: %d %s", started.code, started.body)
	}
	body := started.json(t)
	deviceCode, _ := body["deviceCode"].(string)
	userCode, _ := body["userCode"].(string)
	interval, _ := body["interval"].(float64)
	if deviceCode == "" || len(userCode) != 9 || interval < 1 {
		t.Fatalf("start: %s", started.body)
	}
	poll := func() response {
		return e.call(t, http.MethodPost, "/v1/auth/device:poll", "", map[string]string{"deviceCode": deviceCode})
	}
	if p := poll(); p.code != http.StatusBadRequest || reason(t, p) != "ERROR_REASON_AUTHORIZATION_PENDING" {
		t.Errorf("poll while pending: %d %s", p.code, p.body)
	}
	if p := poll(); p.code != http.StatusTooManyRequests {
		t.Errorf("poll too soon: %d %s", p.code, p.body)
	}
	if a := e.call(t, http.MethodPost, "/v1/auth/device:approve", "", map[string]string{"userCode": userCode}); a.code != http.StatusUnauthorized {
		t.Errorf("approve without a token: %d %s", a.code, a.body)
	}
	if a := e.call(t, http.MethodPost, "/v1/auth/device:approve", bea, map[string]string{"userCode": userCode}); a.code != http.StatusOK {
		t.Fatalf("approve: %d %s", a.code, a.body)
	}
	time.Sleep(2*time.Duration(interval)*time.Second + 100*time.Millisecond) // slow_down doubled it
	p := poll()
	if p.code != http.StatusOK {
		t.Fatalf("poll after approval: %d %s", p.code, p.body)
	}
	token, _ := p.json(t)["tokens"].(map[string]any)["accessToken"].(string)
	who := e.call(t, http.MethodGet, "/v1/auth:whoami", token, nil)
	if who.code != http.StatusOK || who.json(t)["subject"] != "user:gw-bea" {
		t.Errorf("whoami with the device's token: %d %s", who.code, who.body)
	}
}
