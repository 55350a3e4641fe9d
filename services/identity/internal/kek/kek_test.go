package kek_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/landlord-dev/landlord/services/identity/internal/kek"
)

func TestSealOpenBindsAAD(t *testing.T) {
	k, err := kek.New(bytes.Repeat([]byte{7}, kek.Size))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal([]byte("private key"), []byte("kid-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("private key")) {
		t.Fatal("plaintext visible in sealed value")
	}
	if got, err := k.Open(sealed, []byte("kid-1")); err != nil || string(got) != "private key" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, []byte("kid-2")); err == nil {
		t.Error("opened with another record's aad")
	}
	other, _ := kek.New(bytes.Repeat([]byte{8}, kek.Size))
	if _, err := other.Open(sealed, []byte("kid-1")); err == nil {
		t.Error("opened with another key")
	}
}

func TestLoadCreatesPrivateFileOnceAndPrefersEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "kek")
	if _, err := kek.Load("", path, false); err == nil {
		t.Fatal("missing file without create: want an error")
	}
	first, err := kek.Load("", path, true)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kek file mode = %v, %v; want 0600", info.Mode(), err)
	}
	sealed, _ := first.Seal([]byte("x"), nil)
	again, err := kek.Load("", path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Open(sealed, nil); err != nil {
		t.Errorf("reloaded key differs: %v", err)
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, kek.Size))
	fromEnv, err := kek.Load(env, path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fromEnv.Open(sealed, nil); err == nil {
		t.Error("env key ignored; the file's key was used")
	}
	if _, err := kek.Load("not base64!", path, true); err == nil {
		t.Error("bad env value accepted")
	}
}
