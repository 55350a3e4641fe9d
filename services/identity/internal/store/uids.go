package store

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// NewUID returns a random immutable id for a new user, service account or
// group record: 128 random bits, never reused.
func NewUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Subjects are where the three kinds of subject are kept.
type Subjects interface {
	Users
	ServiceAccounts
	Groups
}

// SubjectUID is the uid of the current record of a subject ("user:ann"),
// or an error wrapping ErrNotFound if there is none (or sub is not a
// subject).
func SubjectUID(tx Subjects, sub string) (string, error) {
	s, err := subject.Parse(sub)
	if err != nil {
		return "", apierror.ErrNotFound
	}
	switch s.Kind {
	case subject.KindUser:
		u, err := tx.GetUser(s.Name)
		return u.GetUid(), err
	case subject.KindServiceAccount:
		sa, err := tx.GetServiceAccount(s.Name)
		return sa.GetUid(), err
	default:
		g, err := tx.GetGroup(s.Name)
		return g.GetUid(), err
	}
}
