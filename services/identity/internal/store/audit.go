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
