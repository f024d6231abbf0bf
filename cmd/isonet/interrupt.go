package main

import (
	"context"
	"os"

	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
)

// interruptible runs the computation f in a goroutine of its own and
// returns its result, or ctx's error as soon as ctx is cancelled (Ctrl-C,
// SIGTERM), so that every command stops within moments even inside a
// library call that does not check ctx often. The abandoned work ends with
// the process. f must not write files: commands write their outputs after
// it returns.
func interruptible[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if err := ctx.Err(); err != nil {
			return r.v, err
		}
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// newFolder creates dir (and its parents) for a command's outputs and
// returns a function that removes it again, for use when the command then
// fails: a folder that existed before is left as it was, so a failed
// command leaves no partial folder of its own making (and one holding a
// file isonet did not write is left too).
func newFolder(dir string) (undo func(), err error) {
	if _, err := os.Stat(dir); err == nil {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return func() {
		// Only while it holds nothing but isonet's files: someone may have
		// put a file of their own into it meanwhile.
		outdir.RemoveOwned(dir, "")
	}, nil
}

// loadContext is f.load() stopped by ctx (loading MNIST takes seconds).
func (f *modelFlags) loadContext(ctx context.Context) (*model.Model, *dataPair, int, error) {
	type loaded struct {
		m *model.Model
		d *dataPair
		l int
	}
	r, err := interruptible(ctx, func() (loaded, error) {
		m, d, l, err := f.load()
		return loaded{m, d, l}, err
	})
	return r.m, r.d, r.l, err
}
