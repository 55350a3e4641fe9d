package tokenverify

import (
	"crypto/sha256"
	"sync"
	"time"
)

// cache remembers tokens that verified, until they expire, so a client
// that sends the same token on every call pays for ECDSA verification
// once. Failures are never cached. Entries are keyed by the SHA-256 of the
// token, so memory per entry is small and bounded.
type cache struct {
	mu      sync.Mutex
	entries map[[32]byte]*Claims
	max     int
}

func newCache(max int) *cache {
	return &cache{entries: make(map[[32]byte]*Claims, max), max: max}
}

func (c *cache) get(raw string, now time.Time) (*Claims, bool) {
	key := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	claims, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !now.Before(claims.Expiry) {
		delete(c.entries, key)
		return nil, false
	}
	return claims, true
}

func (c *cache) put(raw string, claims *Claims, now time.Time) {
	key := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Drop expired entries; if none, drop arbitrary ones (map order).
		for k, v := range c.entries {
			if !now.Before(v.Expiry) || len(c.entries) >= c.max {
				delete(c.entries, k)
			}
			if len(c.entries) < c.max*9/10 {
				break
			}
		}
	}
	c.entries[key] = claims
}
