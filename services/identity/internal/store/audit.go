package store

import (
	"google.golang.org/protobuf/proto"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// Audit is the audit log, keyed by event id; ids sort in time order.
type Audit interface {
	// AppendAudit records an event under its id.
	AppendAudit(ev *identityv1.AuditEvent) error
	// ListAudit returns up to limit events older than id `before` (all
	// events if before is ""), newest first.
	ListAudit(before string, limit int) ([]*identityv1.AuditEvent, error)
	// CountAudit is the number of events, as seen by this transaction.
	CountAudit() (int, error)
	// DeleteAudit deletes up to limit events, oldest first, whose ids sort
	// before `before`, and returns how many it deleted.
	DeleteAudit(before string, limit int) (int, error)
}

func (t boltTx) AppendAudit(ev *identityv1.AuditEvent) error {
	return boltdb.Put(t.tx.Bucket(auditBucket), []byte(ev.GetId()), ev)
}

func (t boltTx) ListAudit(before string, limit int) ([]*identityv1.AuditEvent, error) {
	var out []*identityv1.AuditEvent
	c := t.tx.Bucket(auditBucket).Cursor()
	var k, v []byte
	if before == "" {
		k, v = c.Last()
	} else {
		c.Seek([]byte(before))
		k, v = c.Prev()
	}
	for ; k != nil && len(out) < limit; k, v = c.Prev() {
		ev := &identityv1.AuditEvent{}
		if err := proto.Unmarshal(v, ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// CountAudit walks the keys, like CountUsers; the audit log calls it once,
// at start-up, and keeps count itself from then on.
func (t boltTx) CountAudit() (int, error) {
	n := 0
	c := t.tx.Bucket(auditBucket).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n, nil
}

// DeleteAudit collects the keys first: deleting under a moving cursor can
// skip keys in bbolt. limit bounds both the keys held and the transaction.
func (t boltTx) DeleteAudit(before string, limit int) (int, error) {
	b := t.tx.Bucket(auditBucket)
	var doomed [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(doomed) < limit && string(k) < before; k, _ = c.Next() {
		doomed = append(doomed, k)
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}
