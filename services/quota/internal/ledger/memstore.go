package ledger

import (
	"maps"
	"slices"
	"sync"
)

// MemStore keeps records in memory (tests, benchmarks). It copies what it
// saves and loads, so a ledger reopened on it sees only what was saved,
// as after a crash.
type MemStore struct {
	mu   sync.Mutex
	recs map[string]*TenantRecord
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{recs: map[string]*TenantRecord{}} }

// Load implements Store.
func (s *MemStore) Load(fn func(*TenantRecord) error) error {
	s.mu.Lock()
	recs := make([]*TenantRecord, 0, len(s.recs))
	for _, name := range slices.Sorted(maps.Keys(s.recs)) {
		recs = append(recs, s.recs[name].clone())
	}
	s.mu.Unlock()
	for _, rec := range recs {
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// Save implements Store.
func (s *MemStore) Save(rec *TenantRecord) error {
	c := rec.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[rec.Name] = c
	return nil
}

// Delete implements Store.
func (s *MemStore) Delete(tenant string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, tenant)
	return nil
}
