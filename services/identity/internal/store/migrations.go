package store

import (
	bolt "go.etcd.io/bbolt"

	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// migrations are identity's schema history; append only.
var migrations = []boltdb.Migration{
	{Name: "create users, memberships, signing keys and refresh tokens",
		Apply: createBuckets(usersBucket, membershipsBucket, bySubjectBucket, signingKeysBucket, refreshBucket)},
	{Name: "create the audit log", Apply: createBuckets(auditBucket)},
	{Name: "create service accounts and API keys", Apply: createBuckets(serviceAccounts, apiKeysBucket, apiKeysByOwner)},
	{Name: "create groups and their member indexes", Apply: createBuckets(groupsBucket, groupMembers, userGroups)},
}

func createBuckets(names ...[]byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, b := range names {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}
}
