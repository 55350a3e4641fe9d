package changes_test

import (
	"testing"

	"github.com/landlord-dev/landlord/services/quota/internal/changes"
)

func TestNotifyWakesEveryWaiterOnce(t *testing.T) {
	var b changes.Broadcast
	first, second := b.Wait(), b.Wait()
	b.Notify()
	for i, ch := range []<-chan struct{}{first, second} {
		select {
		case <-ch:
		default:
			t.Errorf("waiter %d not woken", i)
		}
	}
	next := b.Wait()
	select {
	case <-next:
		t.Error("a waiter taken after Notify was woken by it")
	default:
	}
	b.Notify() // no waiter left behind: a Notify without waiters is fine
	b.Notify()
}
