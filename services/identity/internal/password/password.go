// Package password hashes and verifies user passwords with argon2id, stored as
// standard PHC strings ($argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>, salt and
// hash in unpadded standard base64). The parameters travel with each hash, so
// they can be raised later: NeedsRehash tells a login when to re-hash.
//
// Every argon2id run goes through a Hasher, whose one memory budget bounds
// what all hashes in flight may allocate (see limiter.go): the package has
// no other way in, so no caller can hash outside the limit.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory      uint32 // memory cost in KiB
	Iterations  uint32 // time cost: passes over the memory
	Parallelism uint8  // lanes (threads)
	SaltLen     uint32 // random salt length in bytes
	KeyLen      uint32 // derived hash length in bytes
}

// DefaultParams are m=64 MiB (65536 KiB), t=3, p=2, a 16-byte salt and a
// 32-byte hash: stronger than the OWASP minimum for argon2id, which is
// m=19 MiB (19456 KiB), t=2, p=1.
var DefaultParams = Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLen: 16, KeyLen: 32}

// Errors returned by this package; match them with errors.Is.
var (
	ErrEmpty         = errors.New("password: empty password")
	ErrTooLong       = errors.New("password: password longer than 1024 bytes")
	ErrInvalidHash   = errors.New("password: invalid or unsupported encoded hash")
	ErrInvalidParams = errors.New("password: parameters out of range")
)

const maxPasswordLen = 1024 // bytes; DoS guard

// validate bounds both the caller's Params in Hash and those read back from a
// stored hash in Verify, so a corrupt or hostile database row cannot make Verify
// allocate gigabytes or spin for minutes: memory from 8 KiB per lane (argon2's
// minimum) to 1 GiB, 1-100 iterations, salt 8 (RFC 9106 minimum) to 64 bytes,
// hash 16 to 128 bytes (an empty hash would compare equal to an empty result).
func (p Params) validate() error {
	if p.Iterations < 1 || p.Iterations > 100 || p.Parallelism < 1 ||
		p.Memory < 8*uint32(p.Parallelism) || p.Memory > 1<<20 ||
		p.SaltLen < 8 || p.SaltLen > 64 || p.KeyLen < 16 || p.KeyLen > 128 {
		return fmt.Errorf("%w: %+v", ErrInvalidParams, p)
	}
	return nil
}

// Check rejects a password no hash will be made of (empty or too long),
// without hashing: callers check new passwords before any costly work.
func Check(password string) error {
	if password == "" {
		return ErrEmpty
	} else if len(password) > maxPasswordLen {
		return ErrTooLong
	}
	return nil
}

// b64 is unpadded standard base64; Strict also rejects non-canonical input.
var b64 = base64.RawStdEncoding.Strict()

// hash derives an argon2id hash of password with a fresh random salt and
// returns it as a PHC string. p and password are valid; the caller holds
// p.Memory of the hashing budget.
func hash(password string, p Params) string {
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // never returns an error since Go 1.24 (it crashes instead)
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC argon2id v=19 string and bounds-checks its parameters.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	f := strings.Split(encoded, "$") // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: want $argon2id$v=19$m=..,t=..,p=..$salt$hash", ErrInvalidHash)
	}
	// Sscanf rejects overflow (e.g. p=300); printing back rejects trailing junk,
	// signs, spaces and leading zeros, so only the canonical form passes.
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil ||
		f[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Iterations, p.Parallelism) {
		return Params{}, nil, nil, fmt.Errorf("%w: bad parameters %q", ErrInvalidHash, f[3])
	}
	salt, err1 := b64.DecodeString(f[4])
	key, err2 := b64.DecodeString(f[5])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: bad base64 in salt or hash", ErrInvalidHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrInvalidHash, err)
	}
	return p, salt, key, nil
}

// verify reports whether password matches the hash decoded from a PHC
// string; the caller holds p.Memory of the hashing budget.
func verify(password string, p Params, salt, key []byte) bool {
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be parsed), so a login can re-hash the password it just verified.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decode(encoded)
	return err != nil || got != p
}
