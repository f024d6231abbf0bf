package train

import (
	"errors"
	"math/rand/v2"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
)

// Spec is everything that defines one training run. A zero setting means
// its default (WithDefaults), which Start and Fit fill in; Validate checks
// the settings as given.
type Spec struct {
	Data     data.Spec     `json:"data"`
	Width    int           `json:"width"`
	Depth    int           `json:"depth"` // hidden layers in the LIL
	Act      nn.Activation `json:"activation"`
	Init     nn.Init       `json:"init"`
	Seed     uint64        `json:"seed"` // weight initialisation and shuffling
	Train    Config        `json:"train"`
	LogEvery int           `json:"log_every"` // epochs between accuracy measurements (0: about 100 per run)
	Protocol string        `json:"protocol,omitempty"`
}

// Default network of a Spec whose Width, Depth, Act or Init is zero
// (WithDefaults): the paper's toy-set network.
const (
	DefaultWidth = 20
	DefaultDepth = 4
)

// WithDefaults returns s with each zero setting of the network replaced by
// its default — width DefaultWidth, depth DefaultDepth, tanh, PyTorch's
// initialisation — and the training settings' zeros by theirs
// (Config.WithDefaults for Depth+1 layers). No default depends on the data
// set: a caller that knows it (the command line, an experiment) sets what
// differs, such as MNIST's width 100 or the toy sets' full batch.
func (s Spec) WithDefaults() Spec {
	if s.Width == 0 {
		s.Width = DefaultWidth
	}
	if s.Depth == 0 {
		s.Depth = DefaultDepth
	}
	if s.Act == "" {
		s.Act = nn.Tanh
	}
	if s.Init == "" {
		s.Init = nn.InitPyTorch
	}
	s.Train = s.Train.WithDefaults(s.Depth + 1)
	return s
}

// MaxWidth and MaxDepth bound Width (as model.Config does a layer's
// size) and Depth, so that a typo fails at once instead of exhausting
// memory.
const (
	MaxWidth = 1 << 20
	MaxDepth = 1000
)

// Validate checks the spec before any work is done: the data it names and
// the network and training settings (ValidateTraining).
func (s *Spec) Validate() error {
	if err := s.Data.Validate(); err != nil {
		return err
	}
	return s.ValidateTraining()
}

// ValidateTraining checks the network and training settings, not the data
// (the package-level Fit, given the sets, needs no name for them).
func (s *Spec) ValidateTraining() error {
	if s.Width < 1 || s.Width > MaxWidth {
		return field.Errorf("{Width} must be in 1..%d, got %d", MaxWidth, s.Width)
	}
	if s.Depth < 1 || s.Depth > MaxDepth {
		return field.Errorf("{Depth} must be in 1..%d, got %d", MaxDepth, s.Depth)
	}
	if s.LogEvery < 0 {
		return field.Errorf("{LogEvery} must be ≥ 0, got %d", s.LogEvery)
	}
	if s.Act != nn.Tanh && s.Act != nn.ReLU && s.Act != nn.MaxMin {
		return field.Errorf("{Act} must be tanh, relu or maxmin, got %q", s.Act)
	}
	if s.Act == nn.MaxMin && (s.Width%2 != 0 || s.Train.Method == MethodJacobian) {
		return field.Errorf("{Act} maxmin needs an even {Width} and a {Method} other than jacobian, got width %d, method %s", s.Width, s.Train.methodName())
	}
	switch s.Init {
	case nn.InitPyTorch, nn.InitXavier, nn.InitOrthogonal:
	default:
		return field.Errorf("{Init} must be pytorch, xavier or orthogonal, got %q", s.Init)
	}
	return s.Train.Validate(s.Depth + 1)
}

// Sizes returns the layer sizes for input dimension d and c classes.
func (s *Spec) Sizes(d, c int) []int {
	sizes := []int{d}
	for range s.Depth {
		sizes = append(sizes, s.Width)
	}
	return append(sizes, c)
}

// NewNet returns a freshly initialised network for d inputs and c classes,
// as s says: s.Init drawn from a generator seeded by s.Seed, layer by layer.
func (s *Spec) NewNet(d, c int) (*nn.MLP, error) {
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed^0x1417))
	return nn.NewMLP(s.Sizes(d, c), s.Act, s.Init, rng)
}

// Result is what a training run produced.
type Result struct {
	Spec    Spec         `json:"spec"`
	Epochs  []EpochStats `json:"epochs"`
	Seconds float64      `json:"seconds"`
	// TestAcc and TrainAcc are measured after the last epoch.
	TrainAcc float64 `json:"train_acc"`
	TestAcc  float64 `json:"test_acc"`
}

// Warnings returns advice about the spec on the given data, such as a batch
// of one making the isometric term vanish. Each is an error only to carry
// its text, a field error (internal/field) where it names a setting, so
// that a command line can name its flag instead.
func (s *Spec) Warnings(trainSet *data.Set) []error {
	var w []error
	if s.Train.Beta > 0 && min(s.Train.Batch, trainSet.Len()) == 1 {
		w = append(w, errors.New("batch size 1: the isometric term has no pairs and vanishes; training is plain cross-entropy"))
	}
	if s.Train.Beta > 0 && s.Train.Mask == iso.MaskNone {
		w = append(w, field.Errorf("{Beta} > 0 with {Mask} none: the isometric term is off"))
	}
	if m := s.Train.Method; m != "" && m != MethodLIL && s.Train.Beta > 0 {
		w = append(w, field.Errorf("{Method} %s with {Beta} > 0: the isometric term is added to the baseline's loss", m))
	}
	if s.Train.Method == MethodAdv {
		w = append(w, field.Errorf("{Method} adv: every step first runs %d PGD steps, so training takes about %d times as long", s.Train.AdvSteps, s.Train.AdvSteps+1))
	}
	return w
}
