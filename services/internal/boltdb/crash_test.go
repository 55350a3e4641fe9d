package boltdb_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// writerEnv makes the test binary a process that writes until it is killed.
const writerEnv = "LANDLORD_TEST_BOLT_WRITER"

var writes = []boltdb.Migration{createBucket("writes")}

func TestMain(m *testing.M) {
	if path := os.Getenv(writerEnv); path != "" {
		os.Exit(writeForever(path))
	}
	goleak.VerifyTestMain(m)
}

// writeForever commits one key per transaction and acknowledges each on
// stdout only after the commit returned, as a service acknowledges a call.
func writeForever(path string) int {
	db, err := boltdb.Open(path, writes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := uint64(0); ; i++ {
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("writes")).Put(binary.BigEndian.AppendUint64(nil, i), []byte("acked"))
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(i)
	}
}

// TestAcknowledgedWritesSurviveKill9 kills a writing process with SIGKILL
// and checks that the file opens cleanly with every acknowledged write.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := bufio.NewScanner(stdout)
	acked := -1
	for acked < 300 && acks.Scan() {
		acked, _ = strconv.Atoi(acks.Text())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for acks.Scan() { // acknowledgements already written before the kill
		acked, _ = strconv.Atoi(acks.Text())
	}
	_ = cmd.Wait()
	if acked < 300 {
		t.Fatalf("writer acknowledged only %d writes before dying", acked)
	}

	db, err := boltdb.Open(path, writes)
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("consistency check: %v", err)
		}
		b := tx.Bucket([]byte("writes"))
		for i := 0; i <= acked; i++ {
			if b.Get(binary.BigEndian.AppendUint64(nil, uint64(i))) == nil {
				t.Errorf("acknowledged write %d lost", i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged writes survived kill -9", acked+1)
}
