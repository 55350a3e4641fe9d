package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// refOf is the session an access token belongs to.
func refOf(t *testing.T, svc *Service, clk *clock, token string) SessionRef {
	t.Helper()
	c := claimsOf(t, svc, clk, token)
	return SessionRef{Subject: c.Subject, UID: c.UID, SessionID: c.SessionID}
}

// TestDeviceSessionsDeriveFromTheApprover: the device's session is ann's,
// a new one (its own refresh tokens), no fresher and no longer than the
// session that approved it; it refreshes on its own.
func TestDeviceSessionsDeriveFromTheApprover(t *testing.T) {
	svc, _, clk := signIn(t)
	loggedIn := clk.now()
	ann := login(t, svc)
	ref := refOf(t, svc, clk, ann.GetAccessToken())
	if err := svc.CheckSession(ctx, ref); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	dev, err := svc.DeviceLogin(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, svc, clk, dev.GetAccessToken())
	if c.Subject != "user:ann" || c.UID != "ann-1" || !c.AuthTime.Equal(loggedIn) || c.SessionID == "" || c.SessionID == ref.SessionID {
		t.Fatalf("device claims: sub %q uid %q auth_time %v (want %v) sid %q (approver's %q)", c.Subject, c.UID, c.AuthTime, loggedIn, c.SessionID, ref.SessionID)
	}
	if end := loggedIn.Add(24 * time.Hour); dev.GetRefreshTokenExpireTime().AsTime().After(end) {
		t.Errorf("device refresh token lives until %v, past the approving session's end %v", dev.GetRefreshTokenExpireTime().AsTime(), end)
	}
	again := refresh(t, svc, dev.GetRefreshToken())
	if claimsOf(t, svc, clk, again.GetAccessToken()).SessionID != c.SessionID {
		t.Error("a refreshed device token left its session")
	}
	// Ending the device's session leaves the approver's.
	if err := svc.Logout(ctx, again.GetRefreshToken()); err != nil {
		t.Fatal(err)
	}
	refresh(t, svc, ann.GetRefreshToken())
}

// TestOnlyALiveSessionApproves: a token without a session (an API key's),
// a session id that is someone else's, a session that ended: none may
// approve, nor be redeemed.
func TestOnlyALiveSessionApproves(t *testing.T) {
	svc, _, clk := signIn(t)
	ann := login(t, svc)
	ref := refOf(t, svc, clk, ann.GetAccessToken())
	key, err := svc.Exchange(ctx, "user:ann", "ann-1", false, "")
	if err != nil {
		t.Fatal(err)
	}
	for what, r := range map[string]SessionRef{
		"an API key's token":           refOf(t, svc, clk, key.GetAccessToken()),
		"a service account":            {Subject: "serviceaccount:ci", UID: "ci-1"},
		"ann's session, claimed by ci": {Subject: "serviceaccount:ci", UID: "ci-1", SessionID: ref.SessionID},
		"an earlier record of ann":     {Subject: "user:ann", UID: "ann-0", SessionID: ref.SessionID},
	} {
		if err := svc.CheckSession(ctx, r); !errors.Is(err, apierror.ErrPermissionDenied) {
			t.Errorf("approving with %s: %v, want permission denied", what, err)
		}
		if _, err := svc.DeviceLogin(ctx, r); !errors.Is(err, apierror.ErrPermissionDenied) {
			t.Errorf("redeeming with %s: %v, want permission denied", what, err)
		}
	}
	// Approved, then the approver logs out before the device redeems.
	if err := svc.Logout(ctx, ann.GetRefreshToken()); err != nil {
		t.Fatal(err)
	}
	unauthenticated(t, svc.CheckSession(ctx, ref), "approving from a session that ended")
	_, err = svc.DeviceLogin(ctx, ref)
	unauthenticated(t, err, "redeeming an approval whose session ended")
	// Nor after the approving session's end.
	ann = login(t, svc)
	ref = refOf(t, svc, clk, ann.GetAccessToken())
	clk.advance(25 * time.Hour)
	_, err = svc.DeviceLogin(ctx, ref)
	unauthenticated(t, err, "redeeming after the approving session's end")
}
