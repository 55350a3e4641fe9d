// Package kek is identity's key-encryption key: it seals the token-signing
// private keys before they are written to disk (AES-256-GCM), so a copy of
// the database alone signs nothing.
package kek

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Size is the key length in bytes.
const Size = 32

// KEK seals and opens secrets.
type KEK struct{ aead cipher.AEAD }

// New returns a KEK from raw key bytes.
func New(key []byte) (*KEK, error) {
	if len(key) != Size {
		return nil, fmt.Errorf("key-encryption key must be %d bytes, got %d", Size, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &KEK{aead: aead}, nil
}

// Load reads a base64 key from envValue if set, else from the file at path.
// A missing file is created with a fresh key (mode 0600) when create is
// true, as a dev installation does; production passes a key it manages.
func Load(envValue, path string, create bool) (*KEK, error) {
	if envValue != "" {
		return decode(envValue, "the environment")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		key := make([]byte, Size)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		encoded := base64.StdEncoding.EncodeToString(key) + "\n"
		if err := os.WriteFile(path, []byte(encoded), 0o600); err != nil {
			return nil, err
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	return decode(string(data), path)
}

func decode(encoded, from string) (*KEK, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return nil, fmt.Errorf("key-encryption key from %s: not base64", from)
	}
	return New(key)
}

// Seal encrypts plaintext bound to aad (e.g. the key id, so sealed values
// cannot be swapped between records).
func (k *KEK) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal made with the same aad.
func (k *KEK) Open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errors.New("cannot open sealed value: wrong key-encryption key or corrupted data")
	}
	return plain, nil
}
