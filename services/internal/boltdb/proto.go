package boltdb

import (
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// Get reads key from b into m and reports whether it was there.
func Get(b *bolt.Bucket, key []byte, m proto.Message) (bool, error) {
	v := b.Get(key)
	if v == nil {
		return false, nil
	}
	return true, proto.Unmarshal(v, m)
}

// Put writes m under key. Marshaling is deterministic so equal messages
// give equal bytes (etags and no-op write checks depend on it).
func Put(b *bolt.Bucket, key []byte, m proto.Message) error {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}
