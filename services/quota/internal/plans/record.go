package plans

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Records are a revision and a protobuf (see the package comment). The
// revision lives outside the message because the API messages are stored
// as they are, and Plan's etag field is the revision's output form.

func getPlan(tx *bolt.Tx, name string) (*quotav1.Plan, error) {
	v := tx.Bucket(plansBucket).Get([]byte(name))
	if v == nil {
		return nil, fmt.Errorf("plan %q: %w", name, apierror.ErrNotFound)
	}
	return decodePlan(name, v)
}

// decodePlan reads a stored plan and sets its etag.
func decodePlan(name string, v []byte) (*quotav1.Plan, error) {
	p := &quotav1.Plan{}
	rev, err := decode(v, p)
	if err != nil {
		return nil, fmt.Errorf("plan %q: %w", name, err)
	}
	p.Etag = etag(rev)
	return p, nil
}

func getOverrides(tx *bolt.Tx, tenant string, o *quotav1.Overrides) (uint64, error) {
	v := tx.Bucket(overridesBucket).Get([]byte(tenant))
	if v == nil {
		return 0, nil
	}
	rev, err := decode(v, o)
	if err != nil {
		return 0, fmt.Errorf("overrides of tenant %q: %w", tenant, err)
	}
	return rev, nil
}

// put stores m under key at the bucket's next revision and returns it.
// A Plan's etag is not stored: it is the revision.
func put(b *bolt.Bucket, key string, m proto.Message) (uint64, error) {
	rev, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	if p, ok := m.(*quotav1.Plan); ok && p.GetEtag() != "" {
		p = proto.CloneOf(p)
		p.Etag = ""
		m = p
	}
	v, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(binary.BigEndian.AppendUint64(nil, rev), m)
	if err != nil {
		return 0, err
	}
	return rev, b.Put([]byte(key), v)
}

// decode reads a revision-prefixed value into m.
func decode(v []byte, m proto.Message) (uint64, error) {
	if len(v) < 8 {
		return 0, errors.New("stored value too short")
	}
	return binary.BigEndian.Uint64(v), proto.Unmarshal(v[8:], m)
}

func etag(rev uint64) string { return strconv.FormatUint(rev, 10) }

// checkEtag refuses a write based on an old read; an empty etag skips it.
func checkEtag(kind, name, want, current string) error {
	if want != "" && want != current {
		return fmt.Errorf("%s %q: %w", kind, name, apierror.ErrEtagMismatch)
	}
	return nil
}
