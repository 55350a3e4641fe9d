// Package device keeps the pending device logins of RFC 8628: a device
// starts one and receives a secret device code and a short user code; a
// signed-in user approves (or denies) the user code elsewhere; the device
// polls with its device code until it may redeem the approval, once.
//
// Pending logins live in memory, not in the store. They last minutes, a
// device whose login is lost to a restart simply starts again, and the
// public calls that create and poll them then cost no disk writes. (So
// identity runs as one replica; a store-backed Pending would be needed for
// several.) Memory is bounded: at most MaxPending logins wait at once, at
// most MaxPendingPerAddress from one client address, and expired ones are
// swept. Only a hash of each device code is kept. Guessing user codes (30
// symbols, 8 of them: about 6.6×10^11) is bounded per approver by
// failures.go.
package device

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Config bounds the device logins. Zero values take the defaults.
type Config struct {
	// TTL is how long a device login may wait for approval (10 minutes).
	TTL time.Duration
	// Interval is how long a device waits between polls (5 seconds); a
	// device that polls sooner is told to slow down, and its interval
	// grows by as much again.
	Interval time.Duration
	// MaxPending bounds the logins waiting at once (1,000), and
	// MaxPendingPerAddress those started from one client address (10).
	MaxPending, MaxPendingPerAddress int
	// MaxFailures wrong user codes per approver are allowed per
	// FailureWindow (5 per minute).
	MaxFailures   int
	FailureWindow time.Duration
}

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = 10 * time.Minute
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 1000
	}
	if c.MaxPendingPerAddress <= 0 {
		c.MaxPendingPerAddress = 10
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = time.Minute
	}
	return c
}

// Approval is who approved a device login: the subject, its record's uid
// and the session the approving token belongs to.
type Approval struct {
	Subject, UID, SessionID string
}

// Started is what StartDeviceLogin answers.
type Started struct {
	DeviceCode, UserCode string
	ExpiresIn, Interval  time.Duration
}

type state int

const (
	pending state = iota
	approved
	denied
)

type login struct {
	userCode string // normalized: 8 symbols, no dash
	address  string
	expires  time.Time
	interval time.Duration
	lastPoll time.Time
	state    state
	approval Approval
}

// Pending holds the device logins in memory.
type Pending struct {
	cfg Config
	now func() time.Time

	mu        sync.Mutex
	byDevice  map[[sha256.Size]byte]*login
	byUser    map[string][sha256.Size]byte
	perAddr   map[string]int
	failures  *failures
	lastSweep time.Time
}

// New returns an empty Pending; now is its clock (time.Now if nil).
func New(cfg Config, now func() time.Time) *Pending {
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	return &Pending{cfg: cfg, now: now, byDevice: map[[sha256.Size]byte]*login{}, byUser: map[string][sha256.Size]byte{},
		perAddr: map[string]int{}, failures: newFailures(cfg.MaxFailures, cfg.FailureWindow)}
}

var (
	errFull    = &apierror.QuotaExceededError{Subject: "device logins", Description: "too many device logins are waiting for approval; try again later"}
	errUnknown = fmt.Errorf("device login unknown, expired or already redeemed: %w", apierror.ErrNotFound)
	errDenied  = fmt.Errorf("the device login was denied: %w", apierror.ErrPermissionDenied)
	errNoCode  = fmt.Errorf("user code unknown, expired or no longer pending: %w", apierror.ErrNotFound)
)

// Start begins a device login from a client at address.
func (p *Pending) Start(address string) (Started, error) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.byDevice) >= p.cfg.MaxPending || now.Sub(p.lastSweep) > time.Second {
		p.sweepLocked(now)
	}
	if len(p.byDevice) >= p.cfg.MaxPending {
		return Started{}, errFull
	}
	if p.perAddr[address] >= p.cfg.MaxPendingPerAddress {
		return Started{}, &apierror.QuotaExceededError{Subject: "device logins of " + address,
			Description: "too many device logins from this address are waiting for approval"}
	}
	deviceCode := randomCode()
	userCode := newUserCode()
	for _, taken := p.byUser[userCode]; taken; _, taken = p.byUser[userCode] {
		userCode = newUserCode()
	}
	hash := sha256.Sum256([]byte(deviceCode))
	p.byDevice[hash] = &login{userCode: userCode, address: address, expires: now.Add(p.cfg.TTL), interval: p.cfg.Interval}
	p.byUser[userCode] = hash
	p.perAddr[address]++
	return Started{DeviceCode: deviceCode, UserCode: FormatUserCode(userCode), ExpiresIn: p.cfg.TTL, Interval: p.cfg.Interval}, nil
}

// Approve binds the pending login with userCode to a, or denies it. A user
// code that is unknown, expired or no longer pending counts against a's
// failures; too many, and a is refused for a while whatever the code.
func (p *Pending) Approve(userCode string, a Approval, deny bool) error {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if wait := p.failures.wait(a.Subject, now); wait > 0 {
		return &apierror.RateLimitedError{RetryAfter: max(wait.Round(time.Second), time.Second)}
	}
	hash, ok := p.byUser[NormalizeUserCode(userCode)]
	l := p.byDevice[hash]
	if !ok || l == nil || l.state != pending || !now.Before(l.expires) {
		p.failures.fail(a.Subject, now)
		return errNoCode
	}
	if deny {
		l.state = denied
	} else {
		l.state, l.approval = approved, a
	}
	return nil
}

// Poll answers a device's poll: the approval, once, if its login was
// approved.
func (p *Pending) Poll(deviceCode string) (Approval, string, error) {
	now := p.now()
	hash := sha256.Sum256([]byte(deviceCode))
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.byDevice[hash]
	if l == nil {
		return Approval{}, "", errUnknown
	}
	if !now.Before(l.expires) {
		p.removeLocked(hash, l)
		return Approval{}, "", errUnknown
	}
	if !l.lastPoll.IsZero() && now.Sub(l.lastPoll) < l.interval {
		l.interval += p.cfg.Interval // RFC 8628 3.5: by 5 seconds, the default
		l.lastPoll = now
		return Approval{}, "", &apierror.RateLimitedError{RetryAfter: l.interval}
	}
	l.lastPoll = now
	switch l.state {
	case denied:
		p.removeLocked(hash, l)
		return Approval{}, "", errDenied
	case approved:
		p.removeLocked(hash, l)
		return l.approval, FormatUserCode(l.userCode), nil
	}
	return Approval{}, "", apierror.ErrAuthorizationPending
}

// Len is how many device logins are held (pending, or decided and not yet
// redeemed).
func (p *Pending) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byDevice)
}

// Sweep forgets expired device logins and stale failure counts.
func (p *Pending) Sweep() {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(now)
}

func (p *Pending) sweepLocked(now time.Time) {
	p.lastSweep = now
	for hash, l := range p.byDevice {
		if !now.Before(l.expires) {
			p.removeLocked(hash, l)
		}
	}
	p.failures.sweep(now)
}

func (p *Pending) removeLocked(hash [sha256.Size]byte, l *login) {
	delete(p.byDevice, hash)
	delete(p.byUser, l.userCode)
	if p.perAddr[l.address]--; p.perAddr[l.address] <= 0 {
		delete(p.perAddr, l.address)
	}
}

// randomCode is a device code: 256 random bits.
func randomCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// alphabet has no look-alikes (0/O, 1/I/L) and no U.
const alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

const userCodeLen = 8

// newUserCode draws 8 symbols uniformly (rejection sampling).
func newUserCode() string {
	out := make([]byte, 0, userCodeLen)
	buf := make([]byte, 16)
	limit := byte(256 - 256%len(alphabet))
	for len(out) < userCodeLen {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if b < limit && len(out) < userCodeLen {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// NormalizeUserCode is a user code as stored: upper case, without dashes
// or spaces.
func NormalizeUserCode(code string) string {
	code = strings.ToUpper(code)
	return strings.NewReplacer("-", "", " ", "").Replace(code)
}

// FormatUserCode shows a normalized code as XXXX-XXXX.
func FormatUserCode(code string) string {
	if len(code) != userCodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}
