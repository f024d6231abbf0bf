package reproduce

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isonet/isonet/data"
)

// cancelOn is a log that cancels a context a moment after a line
// containing marker is written.
type cancelOn struct {
	mu      sync.Mutex
	marker  string
	cancel  func()
	at      time.Time
	started bool
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started && strings.Contains(string(p), c.marker) {
		c.started = true
		time.AfterFunc(300*time.Millisecond, func() {
			c.mu.Lock()
			c.at = time.Now()
			c.mu.Unlock()
			c.cancel()
		})
	}
	return len(p), nil
}

// TestCancelAttackPhase (issue 17 case 5, inside reproduce): Ctrl-C during
// an MNIST attack phase stops it within a second or two and stores no
// result for it; before, the attacks never looked at the context and the
// phase ran to its end (about 10 s here on 2 cores).
func TestCancelAttackPhase(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip("MNIST not available:", err)
	}
	if testing.Short() {
		t.Skip("trains a model")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &cancelOn{marker: "attack-standard: running", cancel: cancel}
	e := &Env{Dir: t.TempDir(), Quick: true, Seeds: []uint64{0}, Log: log}
	o := DefaultMNIST(true)
	o.Betas, o.Protocols, o.TrainSubset, o.TestSubset, o.SweepPoints = []float64{0}, []string{Standard}, 1000, 5000, 20
	_, err := MNIST(ctx, e, o)
	log.mu.Lock()
	at := log.at
	log.mu.Unlock()
	if !errors.Is(err, context.Canceled) || at.IsZero() {
		t.Fatalf("MNIST returned %v (cancelled at %v), want context.Canceled during the attack phase", err, at)
	}
	if took := time.Since(at); took > 2*time.Second {
		t.Errorf("attack phase stopped %v after the cancel, want ≤ 2 s", took)
	}
	if _, err := os.Stat(e.PhasePath("mnist/standard/beta=0/seed=0/attack-standard")); err == nil {
		t.Error("the cancelled attack phase stored a result")
	}
}
