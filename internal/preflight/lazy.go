package preflight

import (
	"context"
	"errors"
	"sync"
)

// lazy is a request whose answer several checks share: the first caller
// starts it, later callers wait for the same answer. This is how a check
// can start its own request before a sibling's answer is known, and how
// no request is ever sent twice.
type lazy[T any] struct {
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
	v    T
	err  error
}

func newLazy[T any]() *lazy[T] { return &lazy[T]{done: make(chan struct{})} }

// get starts fn if nobody has, then waits for its answer or ctx.
// fn runs with the context of the first caller.
func (l *lazy[T]) get(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	l.once.Do(func() {
		go func() {
			var v T
			err := errPanicked
			defer func() {
				// A panic in fn must not take the process down: it becomes
				// this answer's error (its value is not printed: it could
				// hold a request with credentials).
				recover()
				l.mu.Lock()
				l.v, l.err = v, err
				l.mu.Unlock()
				close(l.done)
			}()
			v, err = fn(ctx)
		}()
	})
	select {
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.v, l.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// errPanicked is the error of a shared request whose code panicked.
var errPanicked = errors.New("internal error: the request's handling stopped unexpectedly")

// goSafe runs fn on a new goroutine; a panic inside it is recovered and
// reported through onPanic instead of crashing the process.
func goSafe(wg *sync.WaitGroup, fn func(), onPanic func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			if recover() != nil {
				onPanic()
			}
		}()
		fn()
	}()
}
