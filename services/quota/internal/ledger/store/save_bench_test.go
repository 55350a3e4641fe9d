package store_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/ledger/storetest"
)

// BenchmarkSave is the durable commit of one tenant record in a file of
// 1,000 tenants, alone and from 8 goroutines (group commit).
func BenchmarkSave(b *testing.B) {
	st := open(b, filepath.Join(b.TempDir(), "ledger.db"))
	defer st.Close()
	for i := range 1000 {
		if err := st.Save(storetest.Record(fmt.Sprintf("t%04d", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		for i := range b.N {
			if err := st.Save(storetest.Record(fmt.Sprintf("t%04d", i%1000))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if err := st.Save(storetest.Record(fmt.Sprintf("t%04d", i%1000))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
