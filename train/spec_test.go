package train

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// TestRingsIsometry: on the entangled rings, β = 1 makes the last hidden
// layer nearly isometric within each ring (Pearson r ≥ 0.99), while plain
// cross-entropy does clearly worse. (Fewer epochs than the paper's 10000 to
// keep the test short; the paper's setting only improves β = 1.)
func TestRingsIsometry(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	r := map[float64]float64{}
	for _, beta := range []float64{0, 1} {
		s := ringsSpec()
		s.Train.Beta = beta
		s.Train.Epochs = 1500
		tr, te, err := s.Data.Load()
		if err != nil {
			t.Fatal(err)
		}
		tt, res, err := Fit(context.Background(), s, tr, te, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.TestAcc < 0.99 {
			t.Errorf("β=%g: rings test accuracy %.4f", beta, res.TestAcc)
		}
		rep := nn.Representation(tt.Net(), te.X, s.Train.IsoLayer)
		per, _ := iso.WithinClass(te.X, rep, te.Y(), s.Train.K, iso.MaxPerClass, 0)
		worst := 1.0
		for _, c := range per {
			worst = min(worst, c.Pearson)
		}
		r[beta] = worst
		t.Logf("β=%g: accuracy %.4f, worst per-ring Pearson r %.4f", beta, res.TestAcc, worst)
	}
	if r[1] < 0.99 {
		t.Errorf("β=1: per-ring Pearson r %.4f < 0.99", r[1])
	}
	if r[0] > r[1]-0.02 {
		t.Errorf("β=0 r %.4f is not clearly below β=1 r %.4f", r[0], r[1])
	}
}

// TestMNISTSubset trains on 2000 MNIST images for one epoch (batch 5) and
// expects more than 0.8 accuracy on the 10000 test images.
func TestMNISTSubset(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip("MNIST not available:", err)
	}
	s := Spec{Data: data.Spec{Name: "mnist"}, Width: 100}.WithDefaults()
	s.Data.TrainSubset = 2000
	s.Train.Epochs, s.Train.Batch = 1, 5
	tr, te, err := s.Data.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := Fit(context.Background(), s, tr, te, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("2000 images, 1 epoch: train %.4f, test %.4f", res.TrainAcc, res.TestAcc)
	if res.TestAcc <= 0.8 {
		t.Errorf("test accuracy %.4f ≤ 0.8", res.TestAcc)
	}
}

func TestSpecValidate(t *testing.T) {
	bad := []func(*Spec){
		func(s *Spec) { s.Train.Beta = -1 },
		func(s *Spec) { s.Train.Batch = 0 },
		func(s *Spec) { s.Width = 0 },
		func(s *Spec) { s.Data.Name = "cifar" },
		func(s *Spec) { s.Train.IsoLayer = 7 },
		func(s *Spec) { s.Init = "he" },
	}
	for i, f := range bad {
		s := ringsSpec()
		f(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("case %d: invalid spec accepted", i)
		}
	}
	s := Spec{Data: data.Spec{Name: "mnist"}}.WithDefaults()
	if err := s.Validate(); err != nil || s.Width != 20 || s.Train.Batch != 100 || s.Train.Epochs != 1 || s.Train.IsoLayer != 4 {
		t.Errorf("defaults: %+v %v", s, err)
	}
	zero := Spec{Data: data.Spec{Name: "mnist"}}
	if err := zero.Validate(); err == nil {
		t.Error("Validate accepted zero settings: it checks them as given")
	}
}

// ringsSpec is the paper's setting on the rings: the defaults with one
// full batch per epoch, 10000 epochs.
func ringsSpec() Spec {
	return Spec{Data: data.Spec{Name: "rings"}, Train: Config{Epochs: 10000, Batch: 1 << 30}}.WithDefaults()
}

// TestFitOwnData: Fit trains on the sets it is given whatever s.Data names
// — a library user's own matrix needs no data set name — and still refuses
// bad training settings, naming the field.
func TestFitOwnData(t *testing.T) {
	x := tensor.New(40, 2)
	y := make([]int, 40)
	for i := range y {
		y[i] = i % 2
		x.Data[2*i] = float32(y[i]) + 0.01*float32(i)
	}
	set, err := data.NewSet("mine", x, y)
	if err != nil {
		t.Fatal(err)
	}
	s := Spec{Width: 4, Depth: 1, Act: nn.Tanh, Init: nn.InitPyTorch, Train: Defaults(2)}
	s.Train.Epochs, s.Train.Beta = 3, 1
	if _, res, err := Fit(context.Background(), s, set, nil, FitOptions{}); err != nil || len(res.Epochs) != 3 {
		t.Fatalf("Fit on own data: %v, %+v", err, res)
	}
	s.Train.LR = -1
	if _, _, err := Fit(context.Background(), s, set, nil, FitOptions{}); err == nil || !strings.HasPrefix(err.Error(), "LR must be") {
		t.Fatalf("bad LR: %v, want an error naming the field LR", err)
	}
}

// TestWarningsNameFields: Warnings advise on settings by their Go names (a
// field error, internal/field), which a command line renders as its flags.
func TestWarningsNameFields(t *testing.T) {
	set, err := data.NewSet("two", tensor.FromSlice(2, 1, []float32{0, 1}), []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	s := Spec{Width: 4, Depth: 1, Act: nn.Tanh, Init: nn.InitPyTorch, Train: Defaults(2)}
	s.Train.Beta, s.Train.Mask = 1, iso.MaskNone
	if err := s.Train.SetMethod(MethodAdv); err != nil {
		t.Fatal(err)
	}
	flag := map[string]string{"Beta": "--beta", "Mask": "--mask", "Method": "--method"}
	want := []struct{ plain, rendered string }{
		{"Beta > 0 with Mask none: the isometric term is off", "--beta > 0 with --mask none: the isometric term is off"},
		{"Method adv with Beta > 0: the isometric term is added to the baseline's loss", "--method adv with --beta > 0: the isometric term is added to the baseline's loss"},
		{"Method adv: every step first runs 10 PGD steps, so training takes about 11 times as long", "--method adv: every step first runs 10 PGD steps, so training takes about 11 times as long"},
	}
	got := s.Warnings(set)
	if len(got) != len(want) {
		t.Fatalf("Warnings = %v, want %d", got, len(want))
	}
	for i, w := range got {
		var fe *field.Error
		if !errors.As(w, &fe) {
			t.Fatalf("warning %q is not a field error", w)
		}
		if w.Error() != want[i].plain {
			t.Errorf("warning %d = %q, want %q", i, w, want[i].plain)
		}
		if r := fe.Render(func(f string) string { return flag[f] }); r != want[i].rendered {
			t.Errorf("warning %d rendered = %q, want %q", i, r, want[i].rendered)
		}
	}
}
