package attack

import (
	"github.com/isonet/isonet/internal/field"
	"math"
	"runtime"
)

// Attack names accepted in Config.Attack.
const (
	AttackFGSM     = "fgsm"
	AttackPGD      = "pgd"
	AttackPGDPaper = "pgd-paper"
	AttackAPGD     = "apgd"
	AttackSquare   = "square"
	AttackAPGDDLR  = "apgd-dlr"
	AttackAPGDT    = "apgd-t"
	AttackFAB      = "fab"
	AttackFABT     = "fab-t"
)

// Norm names accepted in Config.Norm.
const (
	NormInf = "inf"
	NormL2  = "2"
)

// DefaultBatchSize is the batch size RobustAccuracy uses when Config.BatchSize is 0.
const DefaultBatchSize = 1000

// DefaultSquareP is the initial fraction p of the input changed per Square
// iteration when Config.SquareP is 0 (the value Andriushchenko et al. used
// on MNIST).
const DefaultSquareP = 0.8

// Config chooses an attack and its budget. The zero values of Norm,
// Restarts, BatchSize, Workers and SquareP mean "inf", 1, DefaultBatchSize,
// runtime.GOMAXPROCS(0) and DefaultSquareP.
type Config struct {
	// Attack is one of "fgsm", "pgd", "pgd-paper", "apgd", "square".
	Attack string
	// Norm is the threat model's norm: "inf" (L∞) or "2" (L2).
	Norm string
	// Eps is the radius ε of the ball around the clean input (for FGSM, the step).
	Eps float64
	// Step is the step size a of PGD and pgd-paper. APGD sets its own
	// (2ε, halved at checkpoints) and Square has none; both ignore Step.
	Step float64
	// Steps is the number of iterations (gradient evaluations for PGD, APGD;
	// queries after the first for Square). FGSM ignores it.
	Steps int
	// Restarts is the number of runs per example; an example counts as broken
	// if any run breaks it. Without RandomStart, the runs of PGD, pgd-paper
	// and APGD would all be the same, so they make one; Square is random anyway.
	Restarts int
	// RandomStart starts PGD, pgd-paper and APGD from a uniform random point of
	// the ball (clipped to [0,1]) instead of the clean input.
	RandomStart bool
	// Seed seeds every random choice; the same Seed gives bit-identical results.
	Seed uint64
	// BatchSize is the number of examples attacked together.
	BatchSize int
	// Workers is the number of goroutines RobustAccuracy spreads batches over.
	Workers int
	// Widen, when closed during RobustAccuracy, lets it spread the batches
	// left over runtime.GOMAXPROCS(0) goroutines when that is more than
	// Workers: a caller sharing the machine starts narrow and widens once
	// the machine is its own. Results do not depend on it.
	Widen <-chan struct{} `json:"-"`
	// SquareP is Square's initial fraction p of the input changed per query.
	SquareP float64
	// TargetClasses is the number of target classes of apgd-t and fab-t
	// (0: min(9, classes − 1)).
	TargetClasses int `json:",omitempty"`
	// FallbackCE lets apgd-dlr and apgd-t, on a model with too few classes
	// for the DLR loss (MinClassesDLR, MinClassesDLRTargeted), run APGD on
	// cross-entropy instead of failing.
	FallbackCE bool `json:",omitempty"`
	// Lo and Hi bound every input coordinate: the attacks keep their points
	// in [Lo, Hi]^d. Both zero means [0, 1].
	Lo, Hi float64 `json:",omitempty"`

	// done, when closed, stops the iterative attacks at their next step
	// (RobustAccuracyContext sets it; the result is then discarded).
	done <-chan struct{}
}

// stopped reports whether the attack has been cancelled.
func (c Config) stopped() bool {
	if c.done == nil {
		return false
	}
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Validate reports the first problem with c as a one-line error naming the
// command-line flag that sets the field.
func (c Config) Validate() error {
	switch c.Attack {
	case AttackFGSM, AttackPGD, AttackPGDPaper, AttackAPGD, AttackSquare, AttackAPGDDLR, AttackAPGDT, AttackFAB, AttackFABT:
	default:
		return field.Errorf("{Attack} must be one of fgsm, pgd, pgd-paper, apgd, square, apgd-dlr, apgd-t, fab, fab-t, got %q", c.Attack)
	}
	switch c.Norm {
	case "", NormInf, NormL2:
	default:
		return field.Errorf("{Norm} must be inf or 2, got %q", c.Norm)
	}
	if c.Attack == AttackSquare && c.Norm == NormL2 {
		return field.Errorf("{Norm} 2 is not supported by {Attack} square (L∞ only)")
	}
	if !(c.Eps >= 0) || math.IsInf(c.Eps, 0) {
		return field.Errorf("{Eps} must be ≥ 0, got %g", c.Eps)
	}
	if c.iterative() {
		if c.Steps < 1 {
			return field.Errorf("{Steps} must be ≥ 1 for {Attack} %s, got %d", c.Attack, c.Steps)
		}
	}
	if c.Attack == AttackPGD || c.Attack == AttackPGDPaper {
		if !(c.Step >= 0) || math.IsInf(c.Step, 0) {
			return field.Errorf("{Step} must be ≥ 0, got %g", c.Step)
		}
	}
	if c.Restarts < 0 {
		return field.Errorf("{Restarts} must be ≥ 0, got %d", c.Restarts)
	}
	if c.BatchSize < 0 {
		return field.Errorf("{BatchSize} must be ≥ 0, got %d", c.BatchSize)
	}
	if c.Workers < 0 {
		return field.Errorf("{Workers} must be ≥ 0, got %d", c.Workers)
	}
	if !(c.SquareP >= 0 && c.SquareP <= 1) {
		return field.Errorf("{SquareP} must be in [0, 1], got %g", c.SquareP)
	}
	if c.TargetClasses < 0 {
		return field.Errorf("{TargetClasses} must be ≥ 0, got %d", c.TargetClasses)
	}
	if !(c.Lo == 0 && c.Hi == 0) && !(c.Lo < c.Hi && !math.IsInf(c.Lo, 0) && !math.IsInf(c.Hi, 0)) {
		return field.Errorf("{Lo} and {Hi} must be finite with {Lo} < {Hi} (both 0: [0, 1]), got [%g, %g]", c.Lo, c.Hi)
	}
	return nil
}

func (c Config) iterative() bool { return c.Attack != AttackFGSM }

// withDefaults returns c with its zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Norm == "" {
		c.Norm = NormInf
	}
	if c.Restarts == 0 {
		c.Restarts = 1
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.SquareP == 0 {
		c.SquareP = DefaultSquareP
	}
	return c
}

// Label names the attack for humans, so that every output says which attack
// produced a number — in particular that pgd-paper is the authors'
// fixed-gradient variant, not PGD.
func (c Config) Label() string {
	switch c.Attack {
	case AttackFGSM:
		return "fgsm"
	case AttackPGD:
		return "pgd"
	case AttackPGDPaper:
		return "pgd-paper (authors' fixed-gradient PGD)"
	case AttackAPGD:
		return "apgd-ce (Croce & Hein 2020)"
	case AttackSquare:
		return "square (Andriushchenko et al. 2020, gradient-free)"
	case AttackAPGDDLR:
		return "apgd-dlr (Croce & Hein 2020)"
	case AttackAPGDT:
		return "apgd-t (targeted DLR, Croce & Hein 2020)"
	case AttackFAB:
		return "fab (Croce & Hein 2020, minimal perturbation)"
	case AttackFABT:
		return "fab-t (targeted FAB, Croce & Hein 2020)"
	}
	return c.Attack
}
