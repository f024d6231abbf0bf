// Package stacked trains stacked Locally Isometric Layers on hierarchical
// labels, one block per level, as in the paper's §3.4 and Figure 4.
//
// A stack has one LIL block per label level, coarsest first. Block k is an
// MLP [D_k, w, …, w, C_k] trained with level k's labels, both for its
// cross-entropy term and for the partition of its isometric term. Block 0
// takes the data; block k > 0 takes block k−1's representation at block
// k−1's isometric layer, so D_in of block k is the distances of its own
// input. Training goes block by block: block k−1 is finished and frozen
// before block k starts, each block has its own train.Trainer and Adam
// state, and block k sees block k−1's representation only as a fixed input
// matrix — the stop-gradient of the paper, by construction: no gradient of
// block k's loss and no optimizer step ever reaches block k−1.
//
// Heads. By default every block's own classifier (the last Linear of its
// MLP) predicts its level. With SharedHead (the authors' variant) one
// classifier predicts every level: the last block's, which has as many
// outputs as the finest level has classes; a coarser level's prediction is
// the ancestor of the predicted finest class in the label tree. Training is
// the same in both modes (each block needs a classifier for its
// cross-entropy term); with SharedHead the classifiers of blocks 0..L−2
// are only used during training. They stay in the model file.
//
// Levels come from a label matrix (data.Set.Labels, e.g. several CSV label
// columns), where each level must refine the one before it — a class of
// level k+1 spanning two classes of level k is an error that names the
// class and both classes of level k — or from the finest labelling plus a
// Tree.
//
// The model is a model.Model with one block per level; model.Save names
// its tensors blocks.{k}.layers.{i}.*.
package stacked

import (
	"context"
	"errors"
	"fmt"
	"github.com/isonet/isonet/internal/field"
	"math/rand/v2"
	"slices"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// Spec is everything that defines a stacked run. The embedded
// train.Spec gives the data, the width and depth of every block, and
// the training settings of every block (each block gets a copy, its seed
// offset by its index).
type Spec struct {
	train.Spec
	// SharedHead predicts every level with the last block's classifier
	// (see the package comment).
	SharedHead bool `json:"shared_head,omitempty"`
	// Tree, when not nil, derives the label levels from the data's finest
	// labelling; nil uses the data's own label levels.
	Tree Tree `json:"tree,omitempty"`
}

// Validate checks the spec before any work is done.
func (s *Spec) Validate() error {
	if err := s.Spec.Validate(); err != nil {
		return err
	}
	if s.Tree != nil {
		if _, err := s.Tree.Classes(); err != nil {
			return field.Errorf("{Tree}: %w", err)
		}
	}
	return nil
}

// Levels returns trainSet and testSet with the label levels the stack
// trains on, and their tree. With s.Tree nil the sets' own levels are used:
// there must be at least two, and each must refine the one before it (in
// both sets together). With s.Tree set, the levels are the finest labelling
// expanded up the tree (the sets' coarser levels are dropped). testSet may
// be nil.
func (s *Spec) Levels(trainSet, testSet *data.Set) (tr, te *data.Set, t Tree, err error) {
	if s.Tree != nil {
		if tr, err = expand(trainSet, s.Tree); err != nil {
			return nil, nil, nil, err
		}
		if testSet != nil {
			if te, err = expand(testSet, s.Tree); err != nil {
				return nil, nil, nil, err
			}
		}
		return tr, te, s.Tree, nil
	}
	if trainSet.Levels() < 2 {
		return nil, nil, nil, fmt.Errorf("stacked: data set %s has %d label level; a stack needs at least 2 (give several label columns, coarsest first, or a label tree)", trainSet.Name, trainSet.Levels())
	}
	labels := trainSet.Labels
	if testSet != nil {
		if testSet.Levels() != trainSet.Levels() || !slices.Equal(testSet.Classes, trainSet.Classes) {
			return nil, nil, nil, fmt.Errorf("stacked: test set of %s has classes %v per level, training set %v", trainSet.Name, testSet.Classes, trainSet.Classes)
		}
		labels = make([][]int, trainSet.Levels())
		for k := range labels {
			labels[k] = slices.Concat(trainSet.Labels[k], testSet.Labels[k])
		}
	}
	if t, err = TreeOf(labels, trainSet.Classes, trainSet.ClassNames); err != nil {
		return nil, nil, nil, fmt.Errorf("stacked: data set %s: %w", trainSet.Name, err)
	}
	return trainSet, testSet, t, nil
}

// expand returns set with levels derived from its finest labelling and t.
func expand(set *data.Set, t Tree) (*data.Set, error) {
	labels, counts, err := t.Levels(set.Y())
	if err != nil {
		return nil, fmt.Errorf("stacked: data set %s: %w", set.Name, err)
	}
	out := &data.Set{Name: set.Name, X: set.X, Labels: labels, Classes: counts}
	last := len(counts) - 1
	if n := len(set.ClassNames); n > 0 && len(set.ClassNames[n-1]) == counts[last] {
		out.ClassNames = make([][]string, len(counts))
		out.ClassNames[last] = set.ClassNames[n-1]
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// BlockResult is what training one block measured; accuracies are those of
// the block's own classifier at its level.
type BlockResult struct {
	Block    int                `json:"block"`
	Level    int                `json:"level"`
	Classes  int                `json:"classes"`
	Epochs   []train.EpochStats `json:"epochs"`
	Seconds  float64            `json:"seconds"`
	TrainAcc float64            `json:"train_acc"`
	TestAcc  float64            `json:"test_acc"`
}

// Result is what a stacked training run produced.
type Result struct {
	Spec    Spec          `json:"spec"`
	Tree    Tree          `json:"tree"`
	Classes []int         `json:"classes"`
	Blocks  []BlockResult `json:"blocks"`
	Seconds float64       `json:"seconds"`
	// TrainAcc and TestAcc hold the finished model's accuracy per level,
	// coarsest first (with SharedHead: the last block's predictions mapped
	// up the tree).
	TrainAcc []float64 `json:"train_acc"`
	TestAcc  []float64 `json:"test_acc,omitempty"`
}

// Stack trains a stack block by block. Model holds every block from the
// start (freshly initialised); Trainers[k] exists once block k has started.
type Stack struct {
	Spec     Spec
	Tree     Tree
	Model    *model.Model
	Trainers []*train.Trainer

	trainSet, testSet *data.Set   // with the stack's levels
	in, inTest        *tensor.Mat // the next block's input
}

// blockRNG returns the weight-initialisation generator of block k. Block
// 0's is the one train.Spec.NewNet uses, so block 0 of a stack and a
// flat model trained on level 0 with the same seed start equal.
func blockRNG(seed uint64, k int) *rand.Rand {
	return rand.New(rand.NewPCG(seed+uint64(k)*0x9e3779b97f4a7c15, seed^0x1417))
}

// New validates s, prepares the label levels of the sets (see
// Spec.Levels) and builds the untrained stack. testSet may be nil.
func New(s Spec, trainSet, testSet *data.Set) (*Stack, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	tr, te, tree, err := s.Levels(trainSet, testSet)
	if err != nil {
		return nil, err
	}
	cfg := model.Config{Format: model.Format, Dataset: s.Data.Name, Init: string(s.Init), Seed: s.Seed,
		Classes: slices.Clone(tr.Classes), SharedHead: s.SharedHead, Protocol: s.Protocol}
	in := tr.Dim()
	for k := range tr.Levels() {
		tc := s.Train
		tc.Seed = s.Seed + uint64(k)
		b := model.Block{Sizes: s.Sizes(in, tr.Classes[k]), Activation: string(s.Act), Level: k, Train: tc}
		if k > 0 {
			b.InputLayer = cfg.Blocks[k-1].Train.IsoLayer
		}
		cfg.Blocks = append(cfg.Blocks, b)
		in = b.Sizes[tc.IsoLayer]
	}
	m, err := model.Build(cfg, func(k int, net *nn.MLP) {
		rng := blockRNG(s.Seed, k)
		for _, l := range net.Layers {
			l.Reset(s.Init, rng)
		}
	})
	if err != nil {
		return nil, err
	}
	st := &Stack{Spec: s, Tree: tree, Model: m, trainSet: tr, testSet: te, in: tr.X}
	if te != nil {
		st.inTest = te.X
	}
	return st, nil
}

// Done reports whether every block is trained.
func (st *Stack) Done() bool {
	k := len(st.Trainers)
	return k > 0 && k == len(st.Model.Blocks) && st.Trainers[k-1].Done()
}

// TrainNext trains the next block to the end with a fresh trainer and
// freezes it: afterwards its representation of the data becomes the next
// block's input. It is an error to call it when every block is trained.
func (st *Stack) TrainNext(ctx context.Context, hooks train.Hooks) (BlockResult, error) {
	k := len(st.Trainers)
	if k == len(st.Model.Blocks) {
		return BlockResult{}, errors.New("stacked: every block is already trained")
	}
	net, b := st.Model.Blocks[k], st.Model.Config.Blocks[k]
	spec := st.Spec.Spec
	spec.Train, spec.Seed = b.Train, b.Train.Seed // the block's settings and shuffling seed
	t, err := train.New(net, spec)
	if err != nil {
		return BlockResult{}, fmt.Errorf("block %d: %w", k, err)
	}
	st.Trainers = append(st.Trainers, t)
	trSet := levelSet(st.trainSet, st.in, b.Level)
	var teSet *data.Set
	if st.testSet != nil {
		teSet = levelSet(st.testSet, st.inTest, b.Level)
	}
	res, err := t.Fit(ctx, trSet, teSet, train.FitOptions{Hooks: hooks})
	br := BlockResult{Block: k, Level: b.Level, Classes: st.trainSet.Classes[b.Level]}
	if res != nil {
		br.Epochs, br.Seconds, br.TrainAcc, br.TestAcc = res.Epochs, res.Seconds, res.TrainAcc, res.TestAcc
	}
	if err != nil {
		return br, fmt.Errorf("block %d: %w", k, err)
	}
	if k+1 < len(st.Model.Blocks) {
		layer := st.Model.Config.Blocks[k+1].InputLayer
		st.in = nn.Representation(net, st.in, layer)
		if st.inTest != nil {
			st.inTest = nn.Representation(net, st.inTest, layer)
		}
	}
	return br, nil
}

// levelSet is the training set of one block: its input x with the labels
// of one level.
func levelSet(set *data.Set, x *tensor.Mat, level int) *data.Set {
	s := &data.Set{Name: set.Name, X: x, Labels: [][]int{set.Labels[level]}, Classes: []int{set.Classes[level]}}
	if len(set.ClassNames) > level && set.ClassNames[level] != nil {
		s.ClassNames = [][]string{set.ClassNames[level]}
	}
	return s
}

// Fit trains a new stack on trainSet as s says, block by block, and
// measures the finished model's accuracy per level. testSet may be nil.
// hooks, when not nil, gives the training hooks of each block.
func Fit(ctx context.Context, s Spec, trainSet, testSet *data.Set, hooks func(block int) train.Hooks) (*model.Model, *Result, error) {
	st, err := New(s, trainSet, testSet)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Spec: s, Tree: st.Tree, Classes: st.trainSet.Classes}
	for k := range st.Model.Blocks {
		var h train.Hooks
		if hooks != nil {
			h = hooks(k)
		}
		br, err := st.TrainNext(ctx, h)
		res.Blocks = append(res.Blocks, br)
		res.Seconds += br.Seconds
		if err != nil {
			return st.Model, res, err
		}
	}
	if res.TrainAcc, err = Accuracies(st.Model, st.trainSet, st.Tree); err != nil {
		return st.Model, res, err
	}
	if st.testSet != nil {
		if res.TestAcc, err = Accuracies(st.Model, st.testSet, st.Tree); err != nil {
			return st.Model, res, err
		}
	}
	return st.Model, res, nil
}

// Forward runs every row of x through the stack and returns each block's
// input (inputs[0] is x) and each block's representation at its isometric
// layer: m.Forward.
func Forward(m *model.Model, x *tensor.Mat) (inputs, reps []*tensor.Mat) {
	return m.Forward(x)
}

// Predict returns m's predicted class of every row of x at every level,
// coarsest first. With per-level heads block k's classifier predicts level
// Config.Blocks[k].Level; with SharedHead the last block's classifier
// predicts the finest level and t maps its class up to the coarser ones
// (t must then describe m's levels).
func Predict(m *model.Model, x *tensor.Mat, t Tree) ([][]int, error) {
	inputs, _ := Forward(m, x)
	levels := len(m.Config.Classes)
	pred := make([][]int, levels)
	if m.Config.SharedHead {
		counts, err := t.Classes()
		if err != nil {
			return nil, fmt.Errorf("stacked: shared head: %w", err)
		}
		if !slices.Equal(counts, m.Config.Classes) {
			return nil, fmt.Errorf("stacked: shared head: the label tree has classes %v per level, the model %v", counts, m.Config.Classes)
		}
		last := len(m.Blocks) - 1
		fine := nn.Predict(m.Blocks[last], inputs[last])
		for lv := range pred {
			pred[lv] = make([]int, len(fine))
			for i, c := range fine {
				pred[lv][i] = t.Up(c, levels-1, lv)
			}
		}
		return pred, nil
	}
	for k, net := range m.Blocks {
		lv := m.Config.Blocks[k].Level
		if lv < 0 || lv >= levels {
			return nil, fmt.Errorf("stacked: block %d is trained on level %d, the model has %d levels", k, lv, levels)
		}
		pred[lv] = nn.Predict(net, inputs[k])
	}
	for lv, p := range pred {
		if p == nil {
			return nil, fmt.Errorf("stacked: no block predicts level %d", lv)
		}
	}
	return pred, nil
}

// Accuracies returns m's accuracy on set at every level, coarsest first.
// set must have m's label levels.
func Accuracies(m *model.Model, set *data.Set, t Tree) ([]float64, error) {
	if err := checkSet(m, set); err != nil {
		return nil, err
	}
	pred, err := Predict(m, set.X, t)
	if err != nil {
		return nil, err
	}
	acc := make([]float64, len(pred))
	for lv, p := range pred {
		acc[lv] = accuracy(p, set.Labels[lv])
	}
	return acc, nil
}

func accuracy(pred, y []int) float64 {
	correct := 0
	for i, p := range pred {
		if p == y[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

// checkSet reports a set that does not fit m.
func checkSet(m *model.Model, set *data.Set) error {
	if d := m.Blocks[0].InputDim(); d != set.Dim() {
		return fmt.Errorf("stacked: the model takes %d inputs but data set %s has %d features", d, set.Name, set.Dim())
	}
	if set.Levels() != len(m.Config.Classes) {
		return fmt.Errorf("stacked: the model has %d label levels but data set %s has %d", len(m.Config.Classes), set.Name, set.Levels())
	}
	for lv, c := range set.Classes {
		if c > m.Config.Classes[lv] {
			return fmt.Errorf("stacked: level %d: the model has %d classes but data set %s has %d", lv, m.Config.Classes[lv], set.Name, c)
		}
	}
	return nil
}
