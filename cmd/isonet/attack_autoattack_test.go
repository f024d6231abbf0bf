package main

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/data"
)

// Bad input of issue 27 (the AutoAttack ensemble, DLR and FAB): the rows
// run in errorFixtures' folder (model mi on the IDX folder idx, 10 classes;
// model m on rings, 2 classes and inputs outside [0, 1]; feat2.csv).
func init() {
	errorTables = append(errorTables, errorTable{cases: autoAttackCases})
}

var autoAttackCases = []errorCase{
	{"autoattack: ε 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--eps", "0"}, `isonet attack: --eps must be a finite number > 0, got 0`},
	{"autoattack: L∞ ε > 1", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--eps", "1.5"}, `isonet attack: --eps must be ≤ 1 under L∞ (the width of the input box: a larger ball holds every input), got 1.5`},
	{"autoattack: unknown version", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--version", "fast"}, `isonet attack: --version must be standard or plus, got "fast"`},
	{"autoattack: too few classes for APGD-T", []string{"attack", "--model", "m", "--attack", "autoattack"}, `isonet attack: apgd-t needs a model with ≥ 4 classes (the DLR loss divides by a gap to the third- and fourth-largest logits z_π3, z_π4), this one has 2; set --fallback-ce to attack cross-entropy instead`},
	{"apgd-dlr: too few classes", []string{"attack", "--model", "m", "--attack", "apgd-dlr"}, `isonet attack: apgd-dlr needs a model with ≥ 3 classes (the DLR loss divides by a gap to the third-largest logit z_π3), this one has 2; set --fallback-ce to attack cross-entropy instead`},
	{"autoattack: training loss", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--attack-loss", "train"}, `isonet attack: --attack-loss train does not apply to --attack autoattack: its losses are cross-entropy and DLR`},
	{"--version without autoattack", []string{"attack", "--model", "mi", "--data-dir", "idx", "--version", "plus"}, `isonet attack: --version applies to --attack autoattack only`},
	{"--save-adv with --sweep", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--sweep", "--save-adv", "adv.npy"}, `isonet attack: --save-adv does not apply to --sweep: it saves one ε's adversarials`},
	{"--save-adv over a file isonet did not write", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "autoattack", "--save-adv", "feat2.csv"}, `isonet attack: --save-adv feat2.csv exists and was not written by isonet; choose another --save-adv`},
	{"--box reversed", []string{"attack", "--model", "mi", "--data-dir", "idx", "--box", "1,0"}, `isonet attack: --box must be LO,HI with finite LO < HI, got "1,0"`},
}

// TestAutoAttackCommand runs the ensemble on a small MNIST model and
// checks the JSON result against itself and the saved adversarials
// against the test images: every example reported broken has a stored
// point inside the ε-ball and [0,1]; the others are stored unchanged.
func TestAutoAttackCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	mustRun(t, "train", "--quiet", "--dataset", "mnist", "--subset", "600", "--test-subset", "40", "--epochs", "1", "--width", "20", "--depth", "2", "--out", "m")
	out, _ := mustRun(t, "attack", "--model", "m", "--attack", "autoattack", "--eps", "0.08", "--test-subset", "40", "--steps", "10", "--json", "--save-adv", "adv.npy")
	var res autoAttackJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	r := res.Results[0]
	if r.Total != 40 || len(r.Examples) != 40 || len(r.Stages) != 4 || len(r.Checks) != 4 {
		t.Fatalf("result: total %d, %d examples, %d stages, %d checks", r.Total, len(r.Examples), len(r.Stages), len(r.Checks))
	}
	f, err := os.Open("adv.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, adv, err := data.ReadNPY(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 || shape[0] != 40 || shape[1] != 784 {
		t.Fatalf("adv.npy has shape %v, want [40 784]", shape)
	}
	te, err := data.LoadMNIST("", false)
	if err != nil {
		t.Fatal(err)
	}
	broken := 0
	for i, o := range r.Examples {
		x, a := te.X.Row(i), adv[i*784:(i+1)*784]
		var d float64
		for j := range x {
			d = math.Max(d, math.Abs(float64(a[j])-float64(x[j])))
			if a[j] < 0 || a[j] > 1 {
				t.Fatalf("example %d: saved coordinate %g outside [0,1]", i, a[j])
			}
		}
		if o.BrokenBy == "" && d != 0 {
			t.Errorf("example %d not broken but its saved point moved by %g", i, d)
		}
		if o.BrokenBy != "" {
			broken++
			if d > 0.08+attack.AdvTolerance || math.Abs(d-o.Norm) > 1e-9 {
				t.Errorf("example %d (%s): saved perturbation %g, reported %g, ε 0.08", i, o.BrokenBy, d, o.Norm)
			}
		}
	}
	if broken != r.CleanCorrect-r.Robust {
		t.Errorf("%d examples broken, clean %d − robust %d", broken, r.CleanCorrect, r.Robust)
	}
	// A second run may replace the file it wrote; the text output names
	// every stage and check.
	txt, _ := mustRun(t, "attack", "--model", "m", "--attack", "autoattack", "--eps", "0.08", "--test-subset", "40", "--steps", "10", "--save-adv", "adv.npy")
	for _, want := range []string{"apgd-ce", "apgd-t", "fab-t", "square", attack.CheckBlackBox, attack.CheckLargeBudget, attack.CheckFGSMvsPGD} {
		if !strings.Contains(txt, want) {
			t.Errorf("output lacks %q:\n%s", want, txt)
		}
	}
	// The single attacks run alone.
	for _, name := range []string{"apgd-dlr", "apgd-t", "fab", "fab-t"} {
		out, _ := mustRun(t, "attack", "--model", "m", "--attack", name, "--eps", "0.08", "--test-subset", "40", "--steps", "10", "--json")
		var one attackJSON
		if err := json.Unmarshal([]byte(out), &one); err != nil {
			t.Fatal(err)
		}
		if one.Attack != name || one.Total != 40 || one.Accuracy > one.Clean {
			t.Errorf("%s: %+v", name, one.Result)
		}
	}
}
