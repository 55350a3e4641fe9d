package plans

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

var (
	plansBucket     = []byte("plans")
	overridesBucket = []byte("overrides")
)

// migrations are the file's schema steps, in order; never reorder them.
var migrations = []boltdb.Migration{
	{Name: "create plans and overrides buckets", Apply: func(tx *bolt.Tx) error {
		for _, b := range [][]byte{plansBucket, overridesBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}},
	// Seeding is a migration so that it happens once in the file's life: a
	// default plan an admin deleted does not come back on restart.
	{Name: "seed the default plans", Apply: func(tx *bolt.Tx) error {
		defaults, err := Defaults()
		if err != nil {
			return err
		}
		now := timestamppb.Now()
		for _, p := range defaults {
			p.CreateTime, p.UpdateTime = now, now
			if _, err := put(tx.Bucket(plansBucket), p.GetName(), p); err != nil {
				return err
			}
		}
		return nil
	}},
}

// Store keeps plans and overrides in a bbolt file.
type Store struct {
	db      *boltdb.DB
	changed chan struct{}
	now     func() time.Time
}

// OpenStore opens (creating, migrating and seeding) the file at path.
func OpenStore(path string) (*Store, error) {
	db, err := boltdb.Open(path, migrations)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, changed: make(chan struct{}, 1), now: time.Now}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Changed is signalled after every committed change of a plan. It holds at
// most one signal: a reader re-reads all plans (and re-budgets their
// tenants) once however many changes it missed.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// CreatePlan validates and stores a new plan; it returns the stored copy.
func (s *Store) CreatePlan(p *quotav1.Plan) (*quotav1.Plan, error) {
	if err := Validate(p); err != nil {
		return nil, err
	}
	p = proto.CloneOf(p)
	p.CreateTime = timestamppb.New(s.now())
	p.UpdateTime = proto.CloneOf(p.CreateTime)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(plansBucket)
		if b.Get([]byte(p.GetName())) != nil {
			return fmt.Errorf("plan %q: %w", p.GetName(), apierror.ErrAlreadyExists)
		}
		rev, err := put(b, p.GetName(), p)
		p.Etag = etag(rev)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return p, nil
}

// GetPlan returns a plan.
func (s *Store) GetPlan(name string) (*quotav1.Plan, error) {
	var p *quotav1.Plan
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		p, err = getPlan(tx, name)
		return err
	})
	return p, err
}

// ListPlans returns every plan in name order.
func (s *Store) ListPlans() ([]*quotav1.Plan, error) {
	var out []*quotav1.Plan
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(plansBucket).ForEach(func(k, v []byte) error {
			p, err := decodePlan(string(k), v)
			out = append(out, p)
			return err
		})
	})
	return out, err
}

// UpdatePlan changes the fields of in.Name named in paths, if in.Etag (when
// set) is current, and only if the result is a valid plan.
func (s *Store) UpdatePlan(in *quotav1.Plan, paths []string) (*quotav1.Plan, error) {
	var out *quotav1.Plan
	err := s.db.Update(func(tx *bolt.Tx) error {
		stored, err := getPlan(tx, in.GetName())
		if err != nil {
			return err
		}
		if err := checkEtag("plan", in.GetName(), in.GetEtag(), stored.GetEtag()); err != nil {
			return err
		}
		if out, err = ApplyPlanMask(stored, in, paths); err != nil {
			return err
		}
		if err := Validate(out); err != nil {
			return err
		}
		out.UpdateTime = timestamppb.New(s.now())
		rev, err := put(tx.Bucket(plansBucket), out.GetName(), out)
		out.Etag = etag(rev)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return out, nil
}

// DeletePlan removes a plan if etag (when set) is current and inUse (when
// set) returns nil. inUse runs inside the write transaction, so no other
// change of the plan interleaves (and it must not call the Store); its
// error (FAILED_PRECONDITION naming the tenants on the plan) is returned
// as it is.
func (s *Store) DeletePlan(name, etag string, inUse func(plan string) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		stored, err := getPlan(tx, name)
		if err != nil {
			return err
		}
		if err := checkEtag("plan", name, etag, stored.GetEtag()); err != nil {
			return err
		}
		if inUse != nil {
			if err := inUse(name); err != nil {
				return err
			}
		}
		return tx.Bucket(plansBucket).Delete([]byte(name))
	})
	if err != nil {
		return err
	}
	s.notify()
	return nil
}

// GetOverrides returns a tenant's overrides and their etag; a tenant
// without any has empty overrides at etag "0".
func (s *Store) GetOverrides(tenant string) (*quotav1.Overrides, string, error) {
	o, rev := &quotav1.Overrides{}, uint64(0)
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		rev, err = getOverrides(tx, tenant, o)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return o, etag(rev), nil
}

// UpdateOverrides changes the fields of a tenant's overrides named in
// paths, if etag (when set) is current. check sees the merged overrides
// before anything is written: it must validate them (ValidateOverrides
// against the tenant's plan, read beforehand: check runs inside the write
// transaction and must not call the Store); its error is returned as it is.
func (s *Store) UpdateOverrides(tenant string, in *quotav1.Overrides, paths []string, etagIn string, check func(*quotav1.Overrides) error) (*quotav1.Overrides, string, error) {
	var (
		out *quotav1.Overrides
		rev uint64
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		stored := &quotav1.Overrides{}
		current, err := getOverrides(tx, tenant, stored)
		if err != nil {
			return err
		}
		if err := checkEtag("overrides of tenant", tenant, etagIn, etag(current)); err != nil {
			return err
		}
		if out, err = ApplyOverridesMask(stored, in, paths); err != nil {
			return err
		}
		if check != nil {
			if err := check(out); err != nil {
				return err
			}
		}
		rev, err = put(tx.Bucket(overridesBucket), tenant, out)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, etag(rev), nil
}

// DeleteOverrides forgets a tenant's overrides (when the tenant goes). A
// tenant without overrides is not an error.
func (s *Store) DeleteOverrides(tenant string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(overridesBucket).Delete([]byte(tenant))
	})
}
