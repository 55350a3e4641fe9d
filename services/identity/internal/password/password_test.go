package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/landlord-dev/landlord/services/identity/internal/password"
)

// fast keeps the tests quick: 1 MiB, one pass. Only TestDefaultParams pays
// for the real cost.
var fast = password.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

var ctx = context.Background()

// hasher returns a Hasher for p with room for four hashes at once.
func hasher(t testing.TB, p password.Params) *password.Hasher {
	t.Helper()
	h, err := password.NewHasher(p, max(1, 4*int(p.Memory)/1024), 16)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// verify checks pw against a hash with a Hasher of fast Params: the stored
// hash's own parameters decide the cost.
func verify(pw, encoded string) (bool, error) {
	h, err := password.NewHasher(fast, 64, 16)
	if err != nil {
		return false, err
	}
	return h.Verify(ctx, pw, encoded)
}

func mustHash(t *testing.T, pw string, p password.Params) string {
	t.Helper()
	h, err := hasher(t, p).Hash(ctx, pw)
	if err != nil {
		t.Fatalf("Hash(%q): %v", pw, err)
	}
	return h
}

func TestRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery staple", "x", "pässwörd 🔑", strings.Repeat("a", 1024)} {
		h := mustHash(t, pw, fast)
		if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
			t.Errorf("unexpected encoding %q", h)
		}
		if ok, err := verify(pw, h); !ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", pw, ok, err)
		}
	}
}

func TestWrongPassword(t *testing.T) {
	h := mustHash(t, "secret", fast)
	for _, pw := range []string{"Secret", "secret ", "secre", "another"} {
		if ok, err := verify(pw, h); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

func TestSaltMakesHashesDiffer(t *testing.T) {
	a, b := mustHash(t, "same", fast), mustHash(t, "same", fast)
	if a == b {
		t.Fatalf("two hashes of the same password are identical: %s", a)
	}
	if strings.Split(a, "$")[4] == strings.Split(b, "$")[4] {
		t.Errorf("salts are identical")
	}
}

// TestReferenceVector checks interoperability with the argon2 reference
// implementation (phc-winner-argon2 src/test.c, password "password", salt "somesalt").
func TestReferenceVector(t *testing.T) {
	const ref = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	if ok, err := verify("password", ref); !ok || err != nil {
		t.Errorf("Verify(reference) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := verify("Password", ref); ok || err != nil {
		t.Errorf("Verify(wrong, reference) = %v, %v; want false, nil", ok, err)
	}
}

func TestMalformed(t *testing.T) {
	good := mustHash(t, "pw", fast) // $argon2id$v=19$m=1024,t=1,p=1$<salt>$<hash>
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	join := func(parts ...string) string { return strings.Join(parts, "$") }
	cases := map[string]string{
		"empty":             "",
		"garbage":           "not a hash",
		"no leading dollar": strings.TrimPrefix(good, "$"),
		"wrong prefix":      join("", "argon2", "v=19", "m=1024,t=1,p=1", salt, key),
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":           join("", "argon2i", "v=19", "m=1024,t=1,p=1", salt, key),
		"argon2d":           join("", "argon2d", "v=19", "m=1024,t=1,p=1", salt, key),
		"v=18":              join("", "argon2id", "v=18", "m=1024,t=1,p=1", salt, key),
		"no version":        join("", "argon2id", "m=1024,t=1,p=1", salt, key),
		"missing hash":      join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt),
		"empty hash":        join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt, ""),
		"extra field":       good + "$x",
		"bad base64 salt":   join("", "argon2id", "v=19", "m=1024,t=1,p=1", "!!not*b64", key),
		"bad base64 hash":   join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt, key[:len(key)-1]+"!"),
		"padded hash":       join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt, key+"="),
		"missing p":         join("", "argon2id", "v=19", "m=1024,t=1", salt, key),
		"reordered params":  join("", "argon2id", "v=19", "t=1,m=1024,p=1", salt, key),
		"trailing junk":     join("", "argon2id", "v=19", "m=1024,t=1,p=1x", salt, key),
		"extra param":       join("", "argon2id", "v=19", "m=1024,t=1,p=1,k=2", salt, key),
		"leading zero":      join("", "argon2id", "v=19", "m=01024,t=1,p=1", salt, key),
		"negative":          join("", "argon2id", "v=19", "m=-1024,t=1,p=1", salt, key),
		"huge m (4 GiB)":    join("", "argon2id", "v=19", "m=4194304,t=1,p=1", salt, key),
		"m overflows":       join("", "argon2id", "v=19", "m=99999999999,t=1,p=1", salt, key),
		"tiny m":            join("", "argon2id", "v=19", "m=4,t=1,p=1", salt, key),
		"t=0":               join("", "argon2id", "v=19", "m=1024,t=0,p=1", salt, key),
		"huge t":            join("", "argon2id", "v=19", "m=1024,t=1000000,p=1", salt, key),
		"p=0":               join("", "argon2id", "v=19", "m=1024,t=1,p=0", salt, key),
		"p overflows":       join("", "argon2id", "v=19", "m=1024,t=1,p=300", salt, key),
		"short salt":        join("", "argon2id", "v=19", "m=1024,t=1,p=1", "c2FsdA", key),
		"huge salt":         join("", "argon2id", "v=19", "m=1024,t=1,p=1", strings.Repeat("A", 88), key),
		"short hash":        join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt, "AAAAAA"),
		"huge hash":         join("", "argon2id", "v=19", "m=1024,t=1,p=1", salt, strings.Repeat("A", 200)),
	}
	if ok, err := verify("pw", good); !ok || err != nil {
		t.Fatalf("control: Verify(good) = %v, %v", ok, err)
	}
	for name, enc := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := verify("pw", enc)
			if ok || !errors.Is(err, password.ErrInvalidHash) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrInvalidHash", enc, ok, err)
			}
			if !password.NeedsRehash(enc, fast) {
				t.Errorf("NeedsRehash(%q) = false; want true for an unparseable hash", enc)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := mustHash(t, "pw", fast)
	if password.NeedsRehash(h, fast) {
		t.Error("NeedsRehash with identical params = true")
	}
	stronger := []password.Params{password.DefaultParams}
	for _, mod := range []func(*password.Params){
		func(p *password.Params) { p.Memory *= 2 },
		func(p *password.Params) { p.Iterations++ },
		func(p *password.Params) { p.Parallelism++ },
		func(p *password.Params) { p.SaltLen = 32 },
		func(p *password.Params) { p.KeyLen = 64 },
	} {
		p := fast
		mod(&p)
		stronger = append(stronger, p)
	}
	for _, p := range stronger {
		if !password.NeedsRehash(h, p) {
			t.Errorf("NeedsRehash(%+v) = false; want true", p)
		}
	}
}

func TestPasswordLength(t *testing.T) {
	if _, err := hasher(t, fast).Hash(ctx, ""); !errors.Is(err, password.ErrEmpty) {
		t.Errorf("Hash(\"\") error = %v; want ErrEmpty", err)
	}
	long := strings.Repeat("a", 1025)
	if _, err := hasher(t, fast).Hash(ctx, long); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash(1025 bytes) error = %v; want ErrTooLong", err)
	}
	h := mustHash(t, "pw", fast)
	if ok, err := verify("", h); ok || !errors.Is(err, password.ErrEmpty) {
		t.Errorf("Verify(\"\") = %v, %v; want false, ErrEmpty", ok, err)
	}
	if ok, err := verify(long, h); ok || !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Verify(1025 bytes) = %v, %v; want false, ErrTooLong", ok, err)
	}
}

func TestHashRejectsBadParams(t *testing.T) {
	for _, p := range []password.Params{
		{},
		{Memory: 1024, Iterations: 0, Parallelism: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 1024, Iterations: 1, Parallelism: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 0, KeyLen: 32},
		{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 0},
		{Memory: 2 << 20, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := password.NewHasher(p, 64, 1); !errors.Is(err, password.ErrInvalidParams) {
			t.Errorf("NewHasher with %+v: error = %v; want ErrInvalidParams", p, err)
		}
	}
}

// TestDefaultParams is the one test that pays for DefaultParams (64 MiB, t=3),
// which VerifyDummy uses as well.
func TestDefaultParams(t *testing.T) {
	h := mustHash(t, "hunter2", password.DefaultParams)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("unexpected encoding %q", h)
	}
	if ok, err := verify("hunter2", h); !ok || err != nil {
		t.Errorf("Verify = %v, %v; want true, nil", ok, err)
	}
	if password.NeedsRehash(h, password.DefaultParams) {
		t.Error("NeedsRehash(DefaultParams) = true for a DefaultParams hash")
	}
	// The first call computes the dummy hash, later calls verify against it.
	d := hasher(t, password.DefaultParams)
	for _, pw := range []string{"hunter2", "", strings.Repeat("a", 2000), "hunter2"} {
		if err := d.VerifyDummy(ctx, pw); err != nil {
			t.Errorf("VerifyDummy(%.10q): %v", pw, err)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := hasher(b, password.DefaultParams)
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
