package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// committer is group commit without a goroutine: a save that finds no
// commit running commits at once; saves arriving meanwhile queue, and the
// first of them commits the whole queue in one transaction (one fsync)
// when the running commit is done. A lone caller never waits for a timer,
// as it would with bbolt's Batch.
type committer struct {
	db *bolt.DB

	mu    sync.Mutex
	busy  bool
	queue []*op
}

type op struct {
	apply func(*bolt.Tx) error
	done  chan error // receives the result, or errLead with batch set
	batch []*op
}

var errLead = errors.New("lead the next commit")

// run commits apply, alone or with others; if any apply of the batch fails,
// the whole batch fails (applies here only fail with the file).
func (c *committer) run(apply func(*bolt.Tx) error) error {
	o := &op{apply: apply, done: make(chan error, 1)}
	c.mu.Lock()
	if c.busy {
		c.queue = append(c.queue, o)
		c.mu.Unlock()
		if err := <-o.done; err != errLead {
			return err
		}
	} else {
		c.busy = true
		c.mu.Unlock()
		o.batch = []*op{o}
	}
	err := c.db.Update(func(tx *bolt.Tx) error {
		for _, b := range o.batch {
			if err := b.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
	for _, b := range o.batch[1:] {
		b.done <- err
	}
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.busy = false
	} else {
		next := c.queue[0]
		next.batch, c.queue = c.queue, nil
		next.done <- errLead
	}
	c.mu.Unlock()
	return err
}
