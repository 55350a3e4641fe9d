package controller

import (
	"sync"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// statusMemo remembers, per tenant, the last status this operator wrote
// and the version of the tenant it was written over. The informer cache
// trails the operator's own writes, and the watch events of a tenant's
// objects start passes that read the older version: those passes take the
// status from here, so they neither write it again nor announce the phase
// twice.
type statusMemo struct{ m sync.Map } // tenant name -> statusWrite

type statusWrite struct {
	over   string // the resourceVersion the status was written over
	status v1alpha1.TenantStatus
}

// refresh replaces t's status with the one written over t's version, if
// this operator wrote one.
func (s *statusMemo) refresh(t *v1alpha1.Tenant) {
	if v, ok := s.m.Load(t.Name); ok && v.(statusWrite).over == t.ResourceVersion {
		w := v.(statusWrite)
		t.Status = *w.status.DeepCopy()
	}
}

func (s *statusMemo) record(name, over string, status *v1alpha1.TenantStatus) {
	s.m.Store(name, statusWrite{over: over, status: *status.DeepCopy()})
}

func (s *statusMemo) forget(name string) { s.m.Delete(name) }
