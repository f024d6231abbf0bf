package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/isonet/isonet/safetensors"
)

// Bad input of issue 28 (isonet certify): the rows run in errorFixtures'
// folder (model mi on the IDX folder idx, the rings model m) with the
// fixtures below: relu.safetensors, a PyTorch-style 4-4-4-2 ReLU network,
// and mi-sigmoid, model mi whose config names an unsupported activation.
func init() {
	errorTables = append(errorTables, errorTable{fixtures: certifyFixtures, cases: certifyCases})
}

var certifyCases = []errorCase{
	{"certify: ε < 0", []string{"certify", "--model", "mi", "--eps", "-1"}, `isonet certify: --eps must be a finite number ≥ 0, got -1`},
	{"certify: ε not a number", []string{"certify", "--model", "mi", "--eps", "0.1,abc"}, `isonet certify: --eps: "abc" is not a number`},
	{"certify: unknown method", []string{"certify", "--model", "mi", "--method", "beta-crown"}, `isonet certify: --method must be ibp, crown, alpha-crown or lipschitz, got "beta-crown"`},
	{"certify: unknown norm", []string{"certify", "--model", "mi", "--norm", "1"}, `isonet certify: --norm must be inf or 2, got "1"`},
	{"certify: lipschitz under L∞", []string{"certify", "--model", "mi", "--method", "lipschitz"}, `isonet certify: --method lipschitz certifies L2 balls only: use --norm 2`},
	{"certify: alpha-steps 0", []string{"certify", "--model", "mi", "--method", "alpha-crown", "--alpha-steps", "0"}, `isonet certify: --alpha-steps must be ≥ 1, got 0`},
	{"certify: inputs outside [0, 1]", []string{"certify", "--model", "m"}, `isonet certify: certify: input -0.72010875 of example 0 outside [0, 1]; set --no-box if the inputs are not pixels`},
	{"certify: config with an unsupported activation", []string{"certify", "--model", "mi-sigmoid"}, `isonet certify: model: mi-sigmoid/config.json: block 0: unknown activation "sigmoid"`},
	{"certify: --act unsupported", []string{"certify", "--model", "relu.safetensors", "--arch", "4-4-4-10", "--act", "sigmoid", "--dataset", "mnist", "--data-dir", "idx"}, `isonet certify: --act must be tanh or relu, got "sigmoid"`},
	{"certify: --arch not sizes", []string{"certify", "--model", "relu.safetensors", "--arch", "4-x-2", "--dataset", "mnist", "--data-dir", "idx"}, `isonet certify: --arch: "4-x-2" is not a list of layer sizes ≥ 1 like 784-100-10`},
	{"certify: --arch ≠ the file's layers", []string{"certify", "--model", "relu.safetensors", "--arch", "4-3-2", "--dataset", "mnist", "--data-dir", "idx"}, `isonet certify: relu.safetensors holds 3 weight tensors but --arch 4-3-2 has 2 layers`},
	{"certify: --arch ≠ the file's shapes", []string{"certify", "--model", "relu.safetensors", "--arch", "4-5-4-10", "--dataset", "mnist", "--data-dir", "idx"}, `isonet certify: relu.safetensors: safetensors: tensor "0.weight" has shape [4 4], want [5 4] (from --arch 4-5-4-10)`},
	{"certify: --arch without --dataset", []string{"certify", "--model", "relu.safetensors", "--arch", "4-4-4-10"}, `isonet certify: --dataset is required with --arch (a safetensors file does not name its data)`},
	{"certify: --act without --arch", []string{"certify", "--model", "mi", "--act", "tanh"}, `isonet certify: --act is for --arch (a model folder records its activation)`},
}

// writeTorchReLU writes path: the state_dict of the PyTorch network
// nn.Sequential(Linear(4, 4), ReLU(), Linear(4, 4), ReLU(), Linear(4, 10))
// as safetensors' save_file names it (0.*, 2.*, 4.*), with identity hidden
// layers and logits s, −s, 0, …, 0 where s = x0 + x1 − x2 − x3.
func writeTorchReLU(t *testing.T, path string) {
	t.Helper()
	eye := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	ts := []*safetensors.Tensor{
		{Name: "0.weight", Shape: []int{4, 4}, Data: eye},
		{Name: "0.bias", Shape: []int{4}, Data: make([]float32, 4)},
		{Name: "2.weight", Shape: []int{4, 4}, Data: eye},
		{Name: "2.bias", Shape: []int{4}, Data: make([]float32, 4)},
		{Name: "4.weight", Shape: []int{10, 4}, Data: append([]float32{1, 1, -1, -1, -1, -1, 1, 1}, make([]float32, 32)...)},
		{Name: "4.bias", Shape: []int{10}, Data: make([]float32, 10)},
	}
	if err := safetensors.WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
}

func certifyFixtures(t *testing.T) {
	writeTorchReLU(t, "relu.safetensors")
	os.Mkdir("mi-sigmoid", 0o755)
	cfg, err := os.ReadFile("mi/config.json")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := os.ReadFile("mi/model.safetensors")
	os.WriteFile("mi-sigmoid/config.json", []byte(strings.Replace(string(cfg), `"activation": "tanh"`, `"activation": "sigmoid"`, 1)), 0o644)
	os.WriteFile("mi-sigmoid/model.safetensors", w, 0o644)
}

// TestCertifyTorchReLU: isonet certify on a PyTorch-style safetensors ReLU
// network written by hand (writeTorchReLU), on ten 2×2 images with one lit
// pixel (image i lights pixel i mod 4, label i mod 2; the IDX layout gives
// 10 classes). The hidden layers are the identity on [0, 1]⁴ (every ReLU is
// stable), so every method is exact: image i with i mod 4 = 0 or 3 is
// classified right, and its worst margin over the L∞ ball ∩ [0, 1]⁴ is
// min(1 − 3ε, 2(1 − 3ε)) (against the zero logits, s_min = 1 − ε − 2ε, or
// against −s); the others are
// misclassified, worst case against the other of s, −s: −2(1 + ε). So at
// ε = 0.1 the certified accuracy is 5/10, at ε = 0.4 it is 0, and the
// certified radius of the right ones is 1/3.
func TestCertifyTorchReLU(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeTorchReLU(t, "net.safetensors")
	os.Mkdir("idx", 0o755)
	for _, split := range []string{"train", "t10k"} {
		n := 10
		img := make([]byte, n*4)
		lab := make([]byte, n)
		for i := range lab {
			lab[i] = byte(i % 2)
			img[i*4+i%4] = 255
		}
		writeIDX(t, filepath.Join("idx", split+"-images-idx3-ubyte"), 0x803, []uint32{uint32(n), 2, 2}, img, false)
		writeIDX(t, filepath.Join("idx", split+"-labels-idx1-ubyte.gz"), 0x801, []uint32{uint32(n)}, lab, true)
	}
	want := func(i int, eps float64) float64 {
		if i%4 == 0 || i%4 == 3 {
			return min(1-3*eps, 2*(1-3*eps))
		}
		return -2 * (1 + eps)
	}
	for _, method := range []string{"ibp", "crown", "alpha-crown"} {
		code, stdout, stderr := isonet(t, "certify", "--model", "net.safetensors", "--arch", "4-4-4-10", "--act", "relu",
			"--dataset", "mnist", "--data-dir", "idx", "--method", method, "--eps", "0.1,0.4", "--json",
			"--per-example", method+".csv", "--certified-radius")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", method, code, stderr)
		}
		var out certifyJSON
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 2 || out.Results[0].Certified != 5 || out.Results[0].Total != 10 || out.Results[1].Certified != 0 || out.Results[0].Clean != 0.5 {
			t.Fatalf("%s: results %+v, want 5/10 certified at ε 0.1 and 0/10 at 0.4, clean 0.5", method, out.Results)
		}
		f, err := os.Open(method + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 21 || recs[0][5] != "worst_margin_bound" || recs[0][7] != "certified_radius" {
			t.Fatalf("%s: %d CSV records, header %v", method, len(recs), recs[0])
		}
		for _, r := range recs[1:] {
			i, _ := strconv.Atoi(r[0])
			eps, _ := strconv.ParseFloat(r[4], 64)
			b, _ := strconv.ParseFloat(r[5], 64)
			if w := want(i, eps); math.Abs(b-w) > 1e-6 {
				t.Errorf("%s: image %d ε %g: bound %g, want %g", method, i, eps, b, w)
			}
			rad, _ := strconv.ParseFloat(r[7], 64)
			wr := 0.0
			if i%4 == 0 || i%4 == 3 {
				wr = 1.0 / 3
			}
			if rad > wr || rad < wr-1e-4 {
				t.Errorf("%s: image %d: certified radius %g, want %g within 1e-4 below", method, i, rad, wr)
			}
		}
	}
	// Without the box an unlit pixel may go to −ε (ReLU clamps it, as the
	// box did) and a lit one to 1 + ε: the right images keep 1 − 3ε, the
	// wrong ones fall to −2(1 + 2ε).
	code, stdout, stderr := isonet(t, "certify", "--model", "net.safetensors", "--arch", "4-4-4-10", "--dataset", "mnist", "--data-dir", "idx",
		"--eps", "0.1", "--no-box", "--per-example", "nobox.json")
	if code != 0 {
		t.Fatalf("--no-box: exit %d: %s", code, stderr)
	}
	var pe struct {
		ByEps []struct {
			Bounds []float64 `json:"worst_margin_bound"`
		} `json:"by_eps"`
	}
	b, _ := os.ReadFile("nobox.json")
	if err := json.Unmarshal(b, &pe); err != nil || len(pe.ByEps) != 1 {
		t.Fatalf("nobox.json: %v, %s", err, b)
	}
	for i, got := range pe.ByEps[0].Bounds {
		want := -2 * (1 + 2*0.1)
		if i%4 == 0 || i%4 == 3 {
			want = 1 - 3*0.1
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("--no-box: image %d: bound %g, want %g", i, got, want)
		}
	}
	_ = stdout
	// The text output says the same.
	code, stdout, stderr = isonet(t, "certify", "--model", "net.safetensors", "--arch", "4-4-4-10", "--dataset", "mnist", "--data-dir", "idx", "--eps", "0.1")
	if code != 0 || !strings.Contains(stdout, "certified accuracy 0.5000 (5/10), clean 0.5000") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
