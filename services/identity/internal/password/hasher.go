package password

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
)

// Hasher makes and checks password hashes with one set of Params, within
// one memory budget shared by every hash it runs. Identity has exactly
// one, used by every path that hashes (login, user creation, password
// changes), so together they cannot allocate more than the budget.
type Hasher struct {
	params Params
	limit  *limiter

	mu    sync.Mutex
	dummy string // a hash of a random value nobody knows, made on first use
}

// NewHasher returns a Hasher for new hashes made with p, whose hashes in
// flight use at most budgetMiB of memory together (a hash larger than the
// budget runs alone); up to queue more wait for their turn.
func NewHasher(p Params, budgetMiB, queue int) (*Hasher, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if budgetMiB < 1 || queue < 0 {
		return nil, fmt.Errorf("%w: budget %d MiB and queue %d must be positive", ErrInvalidParams, budgetMiB, queue)
	}
	return &Hasher{params: p, limit: newLimiter(int64(budgetMiB)*1024, queue)}, nil
}

// Params are the parameters of new hashes.
func (h *Hasher) Params() Params { return h.params }

// Hash derives an argon2id hash of password with a fresh random salt and
// returns it as a PHC string. It waits for its share of the budget while
// ctx lasts; see Limited for the errors that say it did not run.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := Check(password); err != nil {
		return "", err
	}
	release, err := h.limit.acquire(ctx, h.params.Memory)
	if err != nil {
		return "", err
	}
	defer release()
	return hash(password, h.params), nil
}

// Verify reports whether password matches the PHC string encoded, using
// the parameters stored in it. A malformed, unsupported or out-of-bounds
// hash gives an error wrapping ErrInvalidHash; an empty or too long
// password ErrEmpty or ErrTooLong; both are found before any hashing.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	if err := Check(password); err != nil {
		return false, err
	}
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	release, err := h.limit.acquire(ctx, p.Memory)
	if err != nil {
		return false, err
	}
	defer release()
	return verify(password, p, salt, key), nil
}

// VerifyDummy costs about as much as Verify against a hash made with the
// Hasher's Params. Call it when the user does not exist, so response times
// do not reveal which users exist. (Stored hashes made with other Params
// still take a different time.) Its only errors are those of Limited.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	h.mu.Lock()
	dummy := h.dummy
	h.mu.Unlock()
	if dummy == "" { // making the dummy hash costs one argon2id run already
		made, err := h.Hash(ctx, rand.Text())
		if err == nil {
			h.mu.Lock()
			h.dummy = made
			h.mu.Unlock()
		}
		return err
	}
	// Like Verify on a real hash, an empty or too long password costs nothing.
	if _, err := h.Verify(ctx, password, dummy); Limited(err) {
		return err
	}
	return nil
}
