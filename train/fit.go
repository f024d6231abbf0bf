package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
)

// FitOptions are the optional parts of Fit; the zero value watches nothing
// and saves no checkpoint.
type FitOptions struct {
	Hooks Hooks
	// Checkpoint, when not nil and its Dir is set, says when Fit saves
	// checkpoints to resume from.
	Checkpoint *Checkpointing
}

// Checkpointing says when Fit saves checkpoints: every Every epochs, or,
// when Every is 0, whenever Interval has passed since the last one (checked
// at epoch ends); and always when the run is interrupted. Dir "" disables
// it.
type Checkpointing struct {
	Dir      string
	Every    int
	Interval time.Duration
	// Warn, when set, is told of a periodic checkpoint that could not be
	// written (a full disk), and the run goes on; when nil such an error
	// ends the run. The checkpoint saved on interruption is never optional.
	Warn func(error)
	last time.Time
}

func (c *Checkpointing) due(epoch int) bool {
	if c == nil || c.Dir == "" {
		return false
	}
	if c.Every > 0 {
		return epoch%c.Every == 0
	}
	if c.last.IsZero() {
		c.last = time.Now()
	}
	return c.Interval > 0 && time.Since(c.last) >= c.Interval
}

// Fit trains until every epoch is done — a fresh run and a resumed one
// alike — measuring the accuracy on trainSet and testSet (which may be nil)
// every Spec.LogEvery epochs and after the last. It returns the result so
// far, also with an error. When ctx is cancelled it stops between two steps
// with an error wrapping ErrInterrupted, after saving a checkpoint when
// o.Checkpoint has a Dir, so that the run can be resumed exactly.
func (t *Trainer) Fit(ctx context.Context, trainSet, testSet *data.Set, o FitOptions) (*Result, error) {
	s, ck, hooks := t.spec, o.Checkpoint, o.Hooks
	every := s.LogEvery
	if every <= 0 {
		every = max(1, s.Train.Epochs/100)
	}
	if t.res == nil {
		t.res = &Result{Spec: s}
	}
	res := t.res
	save := func() error {
		if ck == nil || ck.Dir == "" {
			return nil
		}
		ck.last = time.Now()
		return t.SaveCheckpoint(ck.Dir)
	}
	for t.epoch < t.cfg.Epochs {
		st, err := t.runEpoch(ctx, trainSet, hooks)
		if err != nil {
			if errors.Is(err, ErrInterrupted) {
				if serr := save(); serr != nil {
					return res, fmt.Errorf("%w (and the checkpoint could not be written: %v)", err, serr)
				}
			}
			return res, err
		}
		res.Seconds += st.Seconds
		if t.epoch%every == 0 || t.epoch == t.cfg.Epochs {
			st.TrainAcc = nn.Accuracy(t.net, trainSet.X, trainSet.Y())
			if testSet != nil {
				st.TestAcc = nn.Accuracy(t.net, testSet.X, testSet.Y())
			}
			res.Epochs = append(res.Epochs, st)
			res.TrainAcc, res.TestAcc = st.TrainAcc, st.TestAcc
		}
		if hooks.Epoch != nil {
			if err := hooks.Epoch(st); err != nil {
				return res, err
			}
		}
		if t.epoch < t.cfg.Epochs && ck.due(t.epoch) {
			if err := save(); err != nil {
				if ck.Warn == nil {
					return res, err
				}
				ck.Warn(err)
			}
		}
	}
	return res, nil
}

// Result returns what Fit measured so far (nil before it started; a
// resumed trainer's result includes the epochs before the checkpoint).
func (t *Trainer) Result() *Result { return t.res }

// Fit trains a freshly initialised network on trainSet as s says (Start,
// then (*Trainer).Fit), after filling in s's zero settings
// (Spec.WithDefaults) and checking its network and training settings.
// s.Data only records where the sets came from — any sets will do, your
// own among them. testSet may be nil.
func Fit(ctx context.Context, s Spec, trainSet, testSet *data.Set, o FitOptions) (*Trainer, *Result, error) {
	s = s.WithDefaults()
	if err := s.ValidateTraining(); err != nil {
		return nil, nil, err
	}
	t, err := Start(s, trainSet.Dim(), trainSet.NumClasses())
	if err != nil {
		return nil, nil, err
	}
	res, err := t.Fit(ctx, trainSet, testSet, o)
	return t, res, err
}
