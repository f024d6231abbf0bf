package stacked

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// torusTree is the torus's hierarchy written out by hand: θ band j of 8
// lies in band j/2 of 4, which lies in band j/4 of 2.
var torusTree = Tree{{0, 0, 1, 1}, {0, 0, 1, 1, 2, 2, 3, 3}}

func TestTreeOfTorus(t *testing.T) {
	set := data.Torus(0.001, 1)
	tree, err := TreeOf(set.Labels, set.Classes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(tree, torusTree, slices.Equal) {
		t.Fatalf("TreeOf(torus) = %v, want %v", tree, torusTree)
	}
	counts, err := tree.Classes()
	if err != nil || !slices.Equal(counts, []int{2, 4, 8}) {
		t.Fatalf("Classes() = %v, %v; want [2 4 8]", counts, err)
	}
	labels, counts2, err := torusTree.Levels(set.Y())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(counts2, counts) || !slices.EqualFunc(labels, set.Labels, slices.Equal) {
		t.Fatal("expanding the finest torus labels up the tree does not give the generator's levels")
	}
	for _, c := range []struct{ c, from, to, want int }{
		{5, 2, 2, 5}, {5, 2, 1, 2}, {5, 2, 0, 1}, {3, 1, 0, 1}, {7, 2, 0, 1}, {1, 2, 0, 0}, {-1, 2, 0, -1},
	} {
		if got := torusTree.Up(c.c, c.from, c.to); got != c.want {
			t.Errorf("Up(%d, %d, %d) = %d, want %d", c.c, c.from, c.to, got, c.want)
		}
	}
}

func TestParseTree(t *testing.T) {
	tree, err := ParseTree("0,0,1,1/0,0,1,1,2,2,3,3")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(tree, torusTree, slices.Equal) {
		t.Fatalf("ParseTree = %v", tree)
	}
	if s := tree.String(); s != "0,0,1,1/0,0,1,1,2,2,3,3" {
		t.Errorf("String() = %q", s)
	}
	bad := []struct{ in, want string }{
		{"0,x,1", `"x"`},
		{"0,-1", `"-1"`},
		{"", `""`},
		{"0,0,1,1/0,4", "parent 4"}, // level 1 has classes 0..3
		{"0,2", "class 1 of level 0 has no child"}, // class 1 of level 0 has no child
	}
	for _, c := range bad {
		_, err := ParseTree(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseTree(%q) error %v, want one mentioning %s", c.in, err, c.want)
		}
	}
	if _, _, err := torusTree.Levels([]int{0, 8}); err == nil || !strings.Contains(err.Error(), "class 8") {
		t.Errorf("Levels with class 8 of 8: error %v", err)
	}
}

// flatSet returns n points on a line with the given label levels.
func flatSet(t *testing.T, levels ...[]int) *data.Set {
	x := tensor.New(len(levels[0]), 2)
	for i := range x.Rows {
		x.Data[2*i], x.Data[2*i+1] = float32(i), float32(i%3)
	}
	s, err := data.NewSet("toy", x, levels...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBadLevels: a level that does not refine the previous one, a set with
// one level only, and a tree that does not fit the data are errors naming
// the problem; nothing is trained.
func TestBadLevels(t *testing.T) {
	s := Spec{Spec: train.Spec{Data: data.Spec{Name: "csv:toy.csv"}, Train: train.Config{Epochs: 100, Batch: 100}}.WithDefaults()}
	s.Train.Epochs = 1
	cases := []struct {
		name  string
		train *data.Set
		test  *data.Set
		tree  Tree
		want  string
	}{
		{"fine class spans two coarse", flatSet(t, []int{0, 0, 1, 1}, []int{0, 1, 1, 2}), nil, nil,
			"label level 1 does not refine level 0: its class 1 has examples in level-0 classes 0 and 1"},
		{"split only across train and test", flatSet(t, []int{0, 0, 1, 1}, []int{0, 0, 1, 1}), flatSet(t, []int{0, 1, 1, 1}, []int{0, 0, 1, 1}), nil,
			"does not refine"},
		{"one level", flatSet(t, []int{0, 1, 1, 0}), nil, nil, "at least 2"},
		{"tree too small", flatSet(t, []int{0, 1, 2, 3}), nil, Tree{{0, 1, 1}}, "class 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Tree = c.tree
			_, _, err := Fit(context.Background(), s, c.train, c.test, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// smallTorus is a torus subset and a spec that train in a fraction of a
// second.
func smallTorus(epochs int) (Spec, *data.Set, *data.Set) {
	full := data.Torus(0.001, 7)
	var idx []int
	for i := 0; i < full.Len(); i += 7 { // 7 is prime to the grid's 40: every θ band is hit
		idx = append(idx, i)
	}
	tr := full.Subset(idx)
	te := data.Torus(0.001, 8).Subset(idx)
	s := torusSpec()
	s.Width, s.Seed = 8, 11
	s.Train.Epochs, s.Train.Beta = epochs, 1
	return s, tr, te
}

type snapshot struct {
	weights, grads [][]float32
	t              int
	m, v           [][]float32
}

func snap(net *nn.MLP, opt nn.Optimizer) snapshot {
	var s snapshot
	for _, p := range net.Params() {
		s.weights = append(s.weights, slices.Clone(p.Data))
		s.grads = append(s.grads, slices.Clone(p.Grad))
	}
	a := opt.(*nn.Adam)
	s.t = a.T
	for i := range a.M {
		s.m = append(s.m, slices.Clone(a.M[i]))
		s.v = append(s.v, slices.Clone(a.V[i]))
	}
	return s
}

func equalBits(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool {
		return slices.EqualFunc(x, y, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
	})
}

// TestStopGradient: training block 1 leaves block 0's weights, gradients
// and Adam state bit-identical; block 0 equals block 0 of a stack in which
// it was trained alone, and a flat model trained on level 0 with the same
// seed through train.Fit (an independent path through the trainer).
func TestStopGradient(t *testing.T) {
	s, tr, te := smallTorus(40)
	st, err := New(s, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done() {
		t.Error("Done before training")
	}
	if _, err := st.TrainNext(context.Background(), train.Hooks{}); err != nil {
		t.Fatal(err)
	}
	after0 := snap(st.Model.Blocks[0], st.Trainers[0].Optimizer())
	init1 := snap(st.Model.Blocks[1], nn.NewAdam(1))
	if _, err := st.TrainNext(context.Background(), train.Hooks{}); err != nil {
		t.Fatal(err)
	}
	after1 := snap(st.Model.Blocks[0], st.Trainers[0].Optimizer())
	if st.Done() {
		t.Error("Done with 2 of 3 blocks trained")
	}
	if !equalBits(after0.weights, after1.weights) {
		t.Error("training block 1 changed block 0's weights")
	}
	if !equalBits(after0.grads, after1.grads) {
		t.Error("training block 1 changed block 0's gradients")
	}
	if after0.t != after1.t || after0.t != s.Train.Epochs || !equalBits(after0.m, after1.m) || !equalBits(after0.v, after1.v) {
		t.Errorf("block 0's Adam state moved: steps %d → %d (want %d)", after0.t, after1.t, s.Train.Epochs)
	}
	if equalBits(init1.weights, snap(st.Model.Blocks[1], st.Trainers[1].Optimizer()).weights) {
		t.Error("block 1's weights did not change: the check above is vacuous")
	}
	if a := st.Trainers[1].Optimizer().(*nn.Adam); a.T != s.Train.Epochs || len(a.M) != len(st.Model.Blocks[1].Params()) {
		t.Errorf("block 1's Adam: %d steps over %d tensors, want %d over %d", a.T, len(a.M), s.Train.Epochs, len(st.Model.Blocks[1].Params()))
	}

	alone, err := New(s, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alone.TrainNext(context.Background(), train.Hooks{}); err != nil {
		t.Fatal(err)
	}
	if !equalBits(snap(alone.Model.Blocks[0], alone.Trainers[0].Optimizer()).weights, after1.weights) {
		t.Error("block 0 of the 3-block stack differs from block 0 trained alone with the same seed")
	}

	flat := s.Spec
	level0 := &data.Set{Name: tr.Name, X: tr.X, Labels: [][]int{tr.Labels[0]}, Classes: []int{tr.Classes[0]}}
	ft, _, err := train.Fit(context.Background(), flat, level0, nil, train.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fw [][]float32
	for _, p := range ft.Net().Params() {
		fw = append(fw, p.Data)
	}
	if !equalBits(fw, after1.weights) {
		t.Error("block 0 differs from a flat model trained on level 0 with the same seed")
	}
}

// TestForward: each block's input is the previous block's representation
// at its isometric layer, computed here with nn.MLP.Forward directly.
func TestForward(t *testing.T) {
	s, tr, te := smallTorus(5)
	s.Train.IsoLayer = 3 // not the last hidden layer, to catch a mix-up of layers
	m, _, err := Fit(context.Background(), s, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	inputs, reps := Forward(m, te.X)
	cur := te.X
	for k, net := range m.Blocks {
		ws := net.NewWorkspace()
		net.Forward(ws, cur)
		if !slices.Equal(inputs[k].Data, cur.Data) {
			t.Errorf("block %d: input differs", k)
		}
		h := ws.H[3]
		if h.Cols != s.Width || !slices.Equal(reps[k].Data, h.Data) {
			t.Errorf("block %d: representation differs from H[3]", k)
		}
		cur = tensor.FromSlice(h.Rows, h.Cols, slices.Clone(h.Data))
	}
}

// TestSharedHead: with a shared head every level is the ancestor of the
// last block's prediction. The last classifier is set to predict class 5
// of 8 for every input: levels must read 1 (of 2), 2 (of 4), 5 (of 8).
func TestSharedHead(t *testing.T) {
	s, tr, te := smallTorus(3)
	s.SharedHead = true
	m, res, err := Fit(context.Background(), s, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := m.Blocks[2].Layers[len(m.Blocks[2].Layers)-1]
	clear(head.W.Data)
	clear(head.B.Data)
	head.B.Data[5] = 1
	pred, err := Predict(m, te.X, res.Tree)
	if err != nil {
		t.Fatal(err)
	}
	for lv, want := range []int{1, 2, 5} {
		for i, p := range pred[lv] {
			if p != want {
				t.Fatalf("level %d example %d: predicted %d, want %d", lv, i, p, want)
			}
		}
	}
	acc, _ := Accuracies(m, te, res.Tree)
	// One class of each level is predicted for everyone: the accuracy is
	// that class's share of the points.
	for lv, c := range []int{1, 2, 5} {
		n := 0
		for _, y := range te.Labels[lv] {
			if y == c {
				n++
			}
		}
		if want := float64(n) / float64(te.Len()); n == 0 || math.Abs(acc[lv]-want) > 1e-12 {
			t.Errorf("level %d accuracy %v, want %v", lv, acc[lv], want)
		}
	}
	if _, err := Predict(m, te.X, Tree{{0, 1}}); err == nil {
		t.Error("a shared head with a tree of the wrong shape: no error")
	}
	m.Config.SharedHead = false
	own, _ := Predict(m, te.X, nil)
	if slices.Equal(own[0], pred[0]) && slices.Equal(own[1], pred[1]) {
		t.Error("per-level heads predict exactly as the shared head: the test cannot tell them apart")
	}
}

// TestEvaluate: accuracies match Fit's, each block's isometry compares its
// own input with its representation over its own level's classes, and the
// model survives a save and load.
func TestEvaluate(t *testing.T) {
	s, tr, te := smallTorus(20)
	m, res, err := Fit(context.Background(), s, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() + "/m"
	if err := model.Save(dir, m, res); err != nil {
		t.Fatal(err)
	}
	m2, err := model.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m2.Stacked() || len(m2.Blocks) != 3 || !slices.Equal(m2.Config.Classes, []int{2, 4, 8}) {
		t.Fatalf("loaded model: %d blocks, classes %v", len(m2.Blocks), m2.Config.Classes)
	}
	ev, err := Evaluate(m2, te, res.Tree, 3)
	if err != nil {
		t.Fatal(err)
	}
	for lv, l := range ev.Levels {
		if l.Accuracy != res.TestAcc[lv] || l.Classes != []int{2, 4, 8}[lv] {
			t.Errorf("level %d: Evaluate %v (%d classes), Fit %v", lv, l.Accuracy, l.Classes, res.TestAcc[lv])
		}
	}
	// Without a shared head, level k's accuracy is block k's own.
	for k, b := range res.Blocks {
		if b.TestAcc != res.TestAcc[k] {
			t.Errorf("block %d: own test accuracy %v, model's level %d %v", k, b.TestAcc, k, res.TestAcc[k])
		}
	}
	inputs, reps := Forward(m2, te.X)
	for k, b := range ev.Blocks {
		per, all := iso.WithinClass(inputs[k], reps[k], te.Labels[k], 1, iso.MaxPerClass, 3)
		if b.Level != k || len(b.PerClass) != te.Classes[k] || b.All != all || b.PerClass[0].Agreement != per[0].Agreement {
			t.Errorf("block %d: level %d, %d classes, agreement %+v; want level %d, %d classes, %+v", k, b.Level, len(b.PerClass), b.All, k, te.Classes[k], all)
		}
	}
	if ev.Blocks[1].All == ev.Blocks[1].VsData {
		t.Error("block 1's isometry against its input equals that against the data")
	}
	if _, err := Evaluate(m2, flatSet(t, make([]int, 4)), nil, 0); err == nil {
		t.Error("evaluating on a 2-feature, 1-level set: no error")
	}
}

// TestTreeLevels: levels derived from the finest labelling and a tree train
// exactly as the same levels given as a label matrix.
func TestTreeLevels(t *testing.T) {
	s, tr, te := smallTorus(5)
	m1, r1, err := Fit(context.Background(), s, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	fine := func(set *data.Set) *data.Set {
		return &data.Set{Name: set.Name, X: set.X, Labels: [][]int{set.Y()}, Classes: []int{8}}
	}
	s.Tree = torusTree
	m2, r2, err := Fit(context.Background(), s, fine(tr), fine(te), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range m1.Blocks {
		for i, p := range m1.Blocks[k].Params() {
			if !slices.Equal(p.Data, m2.Blocks[k].Params()[i].Data) {
				t.Fatalf("block %d tensor %s differs", k, p.Name)
			}
		}
	}
	if !slices.Equal(r1.TestAcc, r2.TestAcc) {
		t.Errorf("accuracies %v vs %v", r1.TestAcc, r2.TestAcc)
	}
}

// TestTorusLearns: the paper's β = 100 on a quarter of the torus (every
// 4th φ ring, all 40 θ values: 400 points, every class present) separates
// every level of held-out points after 4000 epochs per block.
func TestTorusLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for ~15 s")
	}
	quarter := func(set *data.Set) *data.Set {
		var idx []int
		for i := 0; i < set.Len(); i += 4 * 40 {
			for j := range 40 {
				idx = append(idx, i+j)
			}
		}
		return set.Subset(idx)
	}
	s := torusSpec()
	s.Train.Epochs = 4000
	tr, te := quarter(data.Torus(0.001, 0)), quarter(data.Torus(0.001, 1_000_003))
	_, res, err := Fit(context.Background(), s, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test accuracy per level after %d epochs per block: %v", s.Train.Epochs, res.TestAcc)
	for lv, a := range res.TestAcc {
		if a < 0.95 {
			t.Errorf("level %d: test accuracy %.4f < 0.95", lv, a)
		}
	}
}

// torusSpec is the paper's setting on the torus: the defaults with β = 100,
// one full batch per epoch, 10000 epochs per block.
func torusSpec() Spec {
	s := Spec{Spec: train.Spec{Data: data.Spec{Name: "torus"}, Train: train.Config{Epochs: 10000, Batch: 1 << 30}}.WithDefaults()}
	s.Train.Beta = 100
	return s
}
