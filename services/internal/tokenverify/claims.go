// Package tokenverify verifies Landlord access tokens locally: every service
// checks a bearer token's ES256 signature against identity's JWKS (fetched
// once and cached), its issuer, audience and expiry — no RPC per request.
package tokenverify

import (
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithm is the only signature algorithm Landlord tokens use; it is one
// kube-apiserver accepts (it has no EdDSA).
const Algorithm = "ES256"

// Claims are what a verified access token says about its bearer.
type Claims struct {
	Issuer   string
	Subject  string // "user:ann", "serviceaccount:ci-bot"
	Username string // preferred_username; Kubernetes sees "landlord:" + Username
	Groups   []string
	// Tenant is set when the token is scoped to one tenant.
	Tenant   string
	Audience []string
	ID       string
	IssuedAt time.Time
	Expiry   time.Time
	// AuthTime is when the user last proved a password (OIDC auth_time);
	// zero for tokens not descended from a password login.
	AuthTime time.Time
	// SessionID is the login session (OIDC sid) the token belongs to, if any.
	SessionID string
	// UID is the immutable id of the subject's record when the token was
	// issued, so a re-created name is not taken for the old one.
	UID string
}

// Wire is the JSON claim set of a Landlord token, shared by the issuer and
// the verifier so the two can never disagree on names.
type Wire struct {
	jwt.Claims
	PreferredUsername string           `json:"preferred_username"`
	Groups            []string         `json:"groups,omitempty"`
	Tenant            string           `json:"landlord_tenant,omitempty"`
	AuthTime          *jwt.NumericDate `json:"auth_time,omitempty"`
	SessionID         string           `json:"sid,omitempty"`
	UID               string           `json:"landlord_uid,omitempty"`
}

// ToWire is the claim set for c.
func (c *Claims) ToWire() Wire {
	w := Wire{
		Claims: jwt.Claims{
			Issuer:   c.Issuer,
			Subject:  c.Subject,
			Audience: jwt.Audience(c.Audience),
			ID:       c.ID,
			IssuedAt: jwt.NewNumericDate(c.IssuedAt),
			// Valid from issue time: the verifier's leeway absorbs clock skew.
			NotBefore: jwt.NewNumericDate(c.IssuedAt),
			Expiry:    jwt.NewNumericDate(c.Expiry),
		},
		PreferredUsername: c.Username,
		Groups:            c.Groups,
		Tenant:            c.Tenant,
		SessionID:         c.SessionID,
		UID:               c.UID,
	}
	if !c.AuthTime.IsZero() {
		w.AuthTime = jwt.NewNumericDate(c.AuthTime)
	}
	return w
}

func (w *Wire) claims() *Claims {
	c := &Claims{
		Issuer:    w.Issuer,
		Subject:   w.Subject,
		Username:  w.PreferredUsername,
		Groups:    w.Groups,
		Tenant:    w.Tenant,
		Audience:  []string(w.Audience),
		ID:        w.ID,
		SessionID: w.SessionID,
		UID:       w.UID,
	}
	if w.AuthTime != nil {
		c.AuthTime = w.AuthTime.Time()
	}
	if w.IssuedAt != nil {
		c.IssuedAt = w.IssuedAt.Time()
	}
	if w.Expiry != nil {
		c.Expiry = w.Expiry.Time()
	}
	return c
}
