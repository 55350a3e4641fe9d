package page_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

func TestFetchPagesThroughEveryRecordOnce(t *testing.T) {
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	err = s.Write(ctx, func(tx store.Tx) error {
		for i := range 5 {
			if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: fmt.Sprintf("u%d", i)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	name := func(r *storagev1.UserRecord) string { return r.GetUser().GetName() }
	var seen []string
	pages := 0
	for token := ""; ; pages++ {
		recs, next, err := page.Fetch(ctx, s, "users", 2, token, store.Tx.ListUsers, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			seen = append(seen, name(r))
		}
		if next == "" {
			break
		}
		token = next
		// A token of one list is refused by another.
		if _, _, err := page.Fetch(ctx, s, "groups", 2, token, store.Tx.ListUsers, name); !errors.As(err, new(*apierror.InvalidArgumentError)) {
			t.Errorf("token reused across lists: %v", err)
		}
	}
	if fmt.Sprint(seen) != "[u0 u1 u2 u3 u4]" || pages != 2 {
		t.Errorf("pages %d, records %v", pages+1, seen)
	}
}
