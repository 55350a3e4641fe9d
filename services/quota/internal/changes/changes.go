// Package changes wakes every waiter at once: streams wait for the next
// change and then read what they need, so a slow stream never holds up
// the code that signals.
package changes

import "sync"

// Broadcast is a change signal with any number of waiters.
type Broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

// Wait returns a channel that is closed at the next Notify. Take it before
// reading state, so that a change made after the read is not missed.
func (b *Broadcast) Wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// Notify wakes every current waiter.
func (b *Broadcast) Notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
