// Package subject names who holds a role or owns a credential: a user, a
// group or a service account, written "<kind>:<name>" ("user:ann",
// "group:devs", "serviceaccount:ci"). Tokens carry it as their sub claim,
// memberships and API keys store it.
package subject

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is what sort of principal a subject is.
type Kind string

// The kinds of subject.
const (
	KindUser           Kind = "user"
	KindGroup          Kind = "group"
	KindServiceAccount Kind = "serviceaccount"
)

// Subject is a kind and a name.
type Subject struct {
	Kind Kind
	Name string
}

// User, Group and ServiceAccount make subjects of each kind.
func User(name string) Subject           { return Subject{KindUser, name} }
func Group(name string) Subject          { return Subject{KindGroup, name} }
func ServiceAccount(name string) Subject { return Subject{KindServiceAccount, name} }

// ErrInvalid is wrapped by every error of Parse.
var ErrInvalid = errors.New("invalid subject: want user:<name>, group:<name> or serviceaccount:<name>")

// Parse reads "<kind>:<name>": the kind must be one of the three and the
// name not empty. The name is everything after the first colon; its
// syntax is the caller's to check (the APIs validate it).
func Parse(s string) (Subject, error) {
	kind, name, found := strings.Cut(s, ":")
	if !found || name == "" {
		return Subject{}, fmt.Errorf("%w: %q", ErrInvalid, s)
	}
	switch k := Kind(kind); k {
	case KindUser, KindGroup, KindServiceAccount:
		return Subject{k, name}, nil
	}
	return Subject{}, fmt.Errorf("%w: unknown kind %q", ErrInvalid, kind)
}

// String is "<kind>:<name>", the form Parse reads.
func (s Subject) String() string { return string(s.Kind) + ":" + s.Name }

// IsUser reports whether s is a user.
func (s Subject) IsUser() bool { return s.Kind == KindUser }
