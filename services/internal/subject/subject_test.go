package subject_test

import (
	"errors"
	"testing"

	"github.com/landlord-dev/landlord/services/internal/subject"
)

func TestConstructorsPrintAsTheyParse(t *testing.T) {
	for _, c := range []struct {
		s    subject.Subject
		want string
		kind subject.Kind
	}{
		{subject.User("alice"), "user:alice", subject.KindUser},
		{subject.Group("devs"), "group:devs", subject.KindGroup},
		{subject.ServiceAccount("ci"), "serviceaccount:ci", subject.KindServiceAccount},
	} {
		if got := c.s.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
		parsed, err := subject.Parse(c.want)
		if err != nil || parsed != c.s || parsed.Kind != c.kind {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.want, parsed, err, c.s)
		}
		if parsed.IsUser() != (c.kind == subject.KindUser) {
			t.Errorf("%v.IsUser() = %v", parsed, parsed.IsUser())
		}
	}
}

func TestParseKeepsColonsInTheName(t *testing.T) {
	s, err := subject.Parse("user:a:b")
	if err != nil || s != subject.User("a:b") {
		t.Errorf("Parse(user:a:b) = %+v, %v", s, err)
	}
}

func TestParseRefusesWhatIsNoSubject(t *testing.T) {
	for _, in := range []string{"", "alice", "user:", ":alice", "admin:alice", "User:alice", "serviceAccount:ci", "landlord:tenant:acme:owner"} {
		if s, err := subject.Parse(in); !errors.Is(err, subject.ErrInvalid) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrInvalid", in, s, err)
		}
	}
}
