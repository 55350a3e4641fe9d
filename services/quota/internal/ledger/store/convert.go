package store

import (
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/storage/v1"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

// A record round-trips exactly except that empty repeated fields load as
// nil, which the ledger treats as empty: Spec, Status and Used, whose nil
// differs from empty, keep the difference as an absent or present Vector;
// Intended and Hard, which the ledger always makes, load non-nil.

// marshal encodes rec deterministically: equal records, equal bytes.
func marshal(rec *ledger.TenantRecord) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(toProto(rec))
}

// unmarshal decodes a value written by marshal.
func unmarshal(v []byte) (*ledger.TenantRecord, error) {
	p := &storagev1.TenantRecord{}
	if err := proto.Unmarshal(v, p); err != nil {
		return nil, err
	}
	return fromProto(p), nil
}

func toProto(t *ledger.TenantRecord) *storagev1.TenantRecord {
	p := &storagev1.TenantRecord{
		Name:          t.Name,
		Resources:     t.Resources,
		Limit:         t.Limit,
		Min:           t.Min,
		Initial:       t.Initial,
		MaxNamespaces: int64(t.MaxNamespaces),
		NextMove:      t.NextMove,
		SeqFloor:      t.SeqFloor,
		Asleep:        t.Asleep,
	}
	for _, n := range t.Namespaces {
		pn := &storagev1.NamespaceRecord{
			Name:     n.Name,
			Seq:      n.Seq,
			Intended: n.Intended,
			Seen:     n.Seen,
			ObsSeq:   n.ObsSeq,
			Spec:     toVector(n.Spec),
			Status:   toVector(n.Status),
			Used:     toVector(n.Used),
		}
		for _, w := range n.Issued {
			pn.Issued = append(pn.Issued, &storagev1.IssuedWrite{Seq: w.Seq, Hard: w.Hard})
		}
		p.Namespaces = append(p.Namespaces, pn)
	}
	for _, m := range t.Moves {
		p.Moves = append(p.Moves, &storagev1.Move{Id: m.ID, Resource: m.Resource, From: m.From, To: m.To, Amount: m.Amount})
	}
	return p
}

func fromProto(p *storagev1.TenantRecord) *ledger.TenantRecord {
	t := &ledger.TenantRecord{
		Name:          p.GetName(),
		Resources:     orNil(p.GetResources()),
		Limit:         orNil(p.GetLimit()),
		Min:           orNil(p.GetMin()),
		Initial:       orNil(p.GetInitial()),
		MaxNamespaces: int(p.GetMaxNamespaces()),
		NextMove:      p.GetNextMove(),
		SeqFloor:      p.GetSeqFloor(),
		Asleep:        p.GetAsleep(),
	}
	for _, pn := range p.GetNamespaces() {
		n := &ledger.NamespaceRecord{
			Name:     pn.GetName(),
			Seq:      pn.GetSeq(),
			Intended: nonNil(pn.GetIntended()),
			Seen:     pn.GetSeen(),
			ObsSeq:   pn.GetObsSeq(),
			Spec:     fromVector(pn.GetSpec()),
			Status:   fromVector(pn.GetStatus()),
			Used:     fromVector(pn.GetUsed()),
		}
		for _, w := range pn.GetIssued() {
			n.Issued = append(n.Issued, ledger.IssuedWrite{Seq: w.GetSeq(), Hard: nonNil(w.GetHard())})
		}
		t.Namespaces = append(t.Namespaces, n)
	}
	for _, m := range p.GetMoves() {
		t.Moves = append(t.Moves, ledger.Move{ID: m.GetId(), Resource: m.GetResource(), From: m.GetFrom(), To: m.GetTo(), Amount: m.GetAmount()})
	}
	return t
}

// toVector keeps nil (absent) apart from empty (present, no values).
func toVector(v []int64) *storagev1.Vector {
	if v == nil {
		return nil
	}
	return &storagev1.Vector{Values: v}
}

func fromVector(v *storagev1.Vector) []int64 {
	if v == nil {
		return nil
	}
	return nonNil(v.GetValues())
}

func orNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}
