package main

import (
	"bytes"
	"context"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/safetensors"
	"github.com/isonet/isonet/train"
)

// errorFixtures makes a temporary working folder (and changes into it, so
// that the messages hold short relative paths) with every kind of bad
// input the commands can meet: IDX folders, CSV files, model folders and
// checkpoints, broken in one way each, next to good ones.
func errorFixtures(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name, content string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// IDX folders in the MNIST layout (2×2 images of a lit pixel).
	idx := func(name string, n int) {
		os.Mkdir(name, 0o755)
		for _, split := range []string{"train", "t10k"} {
			img := make([]byte, n*4)
			lab := make([]byte, n)
			for i := range lab {
				lab[i] = byte(i % 2)
				img[i*4+i%4] = 255
			}
			writeIDX(t, filepath.Join(name, split+"-images-idx3-ubyte"), 0x803, []uint32{uint32(n), 2, 2}, img, false)
			writeIDX(t, filepath.Join(name, split+"-labels-idx1-ubyte.gz"), 0x801, []uint32{uint32(n)}, lab, true)
		}
	}
	for _, d := range []string{"idx", "idx-magic", "idx-trunc", "idx-count", "idx-gz", "idx-huge", "idx-onelabel"} {
		idx(d, 10)
	}
	os.Mkdir("idx-missing", 0o755)
	writeIDX(t, "idx-magic/train-images-idx3-ubyte", 0x1234, []uint32{10, 2, 2}, make([]byte, 40), false)
	writeIDX(t, "idx-trunc/train-images-idx3-ubyte", 0x803, []uint32{10, 2, 2}, make([]byte, 25), false)
	writeIDX(t, "idx-count/train-labels-idx1-ubyte.gz", 0x801, []uint32{9}, make([]byte, 9), true)
	write("idx-gz/train-labels-idx1-ubyte.gz", "\x1f\x8b\x08\x00\x01\x02\x03")
	writeIDX(t, "idx-huge/train-images-idx3-ubyte", 0x803, []uint32{1_000_000_000, 28, 28}, make([]byte, 40), false)
	writeIDX(t, "idx-onelabel/train-labels-idx1-ubyte.gz", 0x801, []uint32{10}, make([]byte, 10), true)

	// CSV files: features then a label column.
	write("ragged.csv", "1,2,0\n3,4\n5,6,1\n")
	write("word.csv", "1,2,0\n3,abc,1\n5,6,1\n")
	write("nan.csv", "1,2,0\n3,NaN,1\n5,6,1\n")
	write("inf.csv", "1,2,0\n3,4,1\n5,-Inf,1\n")
	write("empty.csv", "")
	write("header.csv", "x,y,label\n")
	write("oneclass.csv", "1,2,a\n3,4,a\n5,6,a\n7,8,a\n9,0,a\n")
	write("emptylabel.csv", "1,2,a\n3,4,\n5,6,b\n")
	write("feat2.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,0,0\n")
	write("nonref.csv", "1,2,a,x\n2,3,a,y\n3,4,b,y\n4,5,b,z\n5,6,a,x\n")

	// Good models: rings (3 inputs, outside [0, 1]) and the IDX one.
	for _, args := range [][]string{
		{"--dataset", "rings", "--epochs", "2", "--width", "3", "--depth", "1", "--out", "m"},
		{"--dataset", "mnist", "--data-dir", "idx", "--epochs", "2", "--batch", "5", "--width", "3", "--depth", "1", "--out", "mi"},
	} {
		if code, _, stderr := isonet(t, append([]string{"train", "--quiet"}, args...)...); code != 0 {
			t.Fatalf("fixture %v: %s", args, stderr)
		}
	}
	cfg, err := os.ReadFile("m/config.json")
	if err != nil {
		t.Fatal(err)
	}
	weights, _ := os.ReadFile("m/model.safetensors")
	broken := func(name string, cfgBytes, w []byte) {
		os.Mkdir(name, 0o755)
		if cfgBytes != nil {
			write(name+"/config.json", string(cfgBytes))
		}
		if w != nil {
			write(name+"/model.safetensors", string(w))
		}
	}
	os.Mkdir("m-none", 0o755)
	broken("m-empty", cfg, []byte{})
	broken("m-trunc", cfg, weights[:len(weights)-7])
	broken("m-json", cfg[:len(cfg)/2], weights)
	broken("m-tail", append(append([]byte{}, cfg...), "}\n"...), weights)
	broken("m-field", []byte(strings.Replace(string(cfg), `"seed"`, `"sead"`, 1)), weights)
	pc, err := model.ParseConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pc.Blocks[0].Sizes[0] = 5
	os.Mkdir("m-shape", 0o755)
	model.WriteJSON("m-shape/config.json", pc)
	write("m-shape/model.safetensors", string(weights))
	pc.Blocks[0].Sizes = []int{3, 4096, 2}
	os.Mkdir("m-huge", 0o755)
	model.WriteJSON("m-huge/config.json", pc)
	write("m-huge/model.safetensors", string(weights))
	ml, err := model.Load("m")
	if err != nil {
		t.Fatal(err)
	}
	ts := ml.Tensors()
	broken("m-extra", cfg, nil)
	safetensors.WriteFile("m-extra/model.safetensors", append(ts, &safetensors.Tensor{Name: "layers.9.weight", DType: "F32", Shape: []int{1}, Data: []float32{1}}), nil)
	ts[2].Data[1] = float32(math.NaN())
	broken("m-nan", cfg, nil)
	safetensors.WriteFile("m-nan/model.safetensors", ts, nil)

	// An existing folder that is not a model; checkpoints.
	write("full/notes.txt", "keep me")
	write("bad.checkpoint/checkpoint.json", "x")
	for _, name := range []string{"r3", "rf"} {
		write(name+".csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,0,0\n")
		s := datasetSpec("csv:" + name + ".csv")
		s.Width, s.Depth, s.Train.Epochs = 3, 1, 2
		s.Train.IsoLayer = 1
		tr, _, err := s.Data.Load()
		if err != nil {
			t.Fatal(err)
		}
		tt, err := train.Start(s, tr.Dim(), tr.NumClasses())
		if err != nil {
			t.Fatal(err)
		}
		if err := tt.SaveCheckpoint(train.CheckpointDir(name)); err != nil {
			t.Fatal(err)
		}
	}
	// The data changed after the checkpoint: a third class, a third feature.
	write("r3.csv", "1,2,0\n3,4,1\n5,6,2\n7,8,1\n9,0,0\n")
	write("rf.csv", "1,2,1,0\n3,4,1,1\n5,6,1,0\n7,8,1,1\n9,0,1,0\n")
}

// tree lists every file and folder under the working folder with a hash of
// its content (-1 for a folder; a symbolic link's target name for a link,
// which is not followed).
func tree(t *testing.T) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			files[p] = -1
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 { // a link is its target's name
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			h := fnv.New64a()
			h.Write([]byte("link:" + target))
			files[p] = int64(h.Sum64() >> 1)
			return nil
		}
		// A file is its content's hash, so that a change of content of
		// the same size counts too.
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h := fnv.New64a()
		h.Write(b)
		files[p] = int64(h.Sum64() >> 1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func diffTree(before, after map[string]int64) []string {
	var d []string
	for p, s := range after {
		if b, ok := before[p]; !ok {
			d = append(d, "new "+p)
		} else if b != s {
			d = append(d, "changed "+p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			d = append(d, "removed "+p)
		}
	}
	sort.Strings(d)
	return d
}

// errorCase is one row of the table of bad inputs (docs/errors.md).
type errorCase struct {
	name string
	args []string
	want string // the whole of stderr, one line
}

// errorCases lists every kind of bad input to every command with the exact
// message the user sees. docs/errors.md is this table.
var errorCases = []errorCase{
	// Commands and flags.
	{"unknown command", []string{"frobnicate"}, `isonet: unknown command "frobnicate" (run isonet --help)`},
	{"unknown flag", []string{"train", "--dataset", "rings", "--bogus", "1"}, `isonet train: flag provided but not defined: -bogus (see --help)`},
	{"stray argument", []string{"eval", "--model", "m", "extra"}, `isonet eval: unexpected argument "extra" (see --help)`},
	{"flag value not a number", []string{"train", "--dataset", "rings", "--beta", "abc", "--out", "o"}, `isonet train: invalid value "abc" for flag -beta: parse error (see --help)`},

	// train: settings.
	{"β < 0", []string{"train", "--dataset", "rings", "--beta", "-1", "--out", "o"}, `isonet train: --beta must be a finite number ≥ 0, got -1`},
	{"β NaN", []string{"train", "--dataset", "rings", "--beta", "NaN", "--out", "o"}, `isonet train: --beta must be a finite number ≥ 0, got NaN`},
	{"lr 0", []string{"train", "--dataset", "rings", "--lr", "0", "--out", "o"}, `isonet train: --lr must be a finite number > 0, got 0`},
	{"lr < 0", []string{"train", "--dataset", "rings", "--lr", "-0.1", "--out", "o"}, `isonet train: --lr must be a finite number > 0, got -0.1`},
	{"batch 0", []string{"train", "--dataset", "rings", "--batch", "0", "--out", "o"}, `isonet train: --batch must be ≥ 1, got 0`},
	{"epochs 0", []string{"train", "--dataset", "rings", "--epochs", "0", "--out", "o"}, `isonet train: --epochs must be ≥ 1, got 0`},
	{"width 0", []string{"train", "--dataset", "rings", "--width", "0", "--out", "o"}, `isonet train: --width must be in 1..1048576, got 0`},
	{"width too large", []string{"train", "--dataset", "rings", "--width", "2000000", "--out", "o"}, `isonet train: --width must be in 1..1048576, got 2000000`},
	{"depth 0", []string{"train", "--dataset", "rings", "--depth", "0", "--out", "o"}, `isonet train: --depth must be in 1..1000, got 0`},
	{"depth too large", []string{"train", "--dataset", "rings", "--depth", "1000000000", "--out", "o"}, `isonet train: --depth must be in 1..1000, got 1000000000`},
	{"α < 0", []string{"train", "--dataset", "rings", "--alpha", "-1", "--out", "o"}, `isonet train: --alpha must be a finite number ≥ 0, got -1`},
	{"α and β both 0", []string{"train", "--dataset", "rings", "--alpha", "0", "--out", "o"}, `isonet train: --alpha and --beta are both 0: the loss would be 0 and training would change nothing`},
	{"K 0", []string{"train", "--dataset", "rings", "--iso-scale", "0", "--out", "o"}, `isonet train: --iso-scale must be a finite number > 0, got 0`},
	{"iso layer out of range", []string{"train", "--dataset", "rings", "--iso-layer", "9", "--out", "o"}, `isonet train: --iso-layer must be in 1..5 (1..4 hidden, 5 = logits), got 9`},
	{"unknown mask", []string{"train", "--dataset", "rings", "--mask", "half", "--out", "o"}, `isonet train: --mask: unknown mask "half" (want class, global or none)`},
	{"unknown activation", []string{"train", "--dataset", "rings", "--act", "sigmoid", "--out", "o"}, `isonet train: --act must be tanh, relu or maxmin, got "sigmoid"`},
	{"unknown init", []string{"train", "--dataset", "rings", "--init", "he", "--out", "o"}, `isonet train: --init must be pytorch, xavier or orthogonal, got "he"`},
	{"unknown optimizer", []string{"train", "--dataset", "rings", "--optimizer", "rmsprop", "--out", "o"}, `isonet train: --optimizer must be adam or sgd, got "rmsprop"`},
	{"unknown training method", []string{"train", "--dataset", "rings", "--method", "mixup", "--out", "o"}, `isonet train: --method must be one of lil, adv, jacobian, specnorm, lipschitz, trades, got "mixup"`},
	{"unknown Lipschitz parametrisation", []string{"train", "--dataset", "rings", "--method", "lipschitz", "--act", "maxmin", "--lipschitz", "cayley", "--out", "o"}, `isonet train: --lipschitz must be aol or orthogonal, got "cayley"`},
	{"TRADES β without trades", []string{"train", "--dataset", "rings", "--trades-beta", "2", "--out", "o"}, `isonet train: --trades-beta needs --method trades (method is lil)`},
	{"maxmin with an odd width", []string{"train", "--dataset", "rings", "--act", "maxmin", "--width", "3", "--out", "o"}, `isonet train: --act maxmin needs an even --width and a --method other than jacobian, got width 3, method lil`},
	{"test fraction 1", []string{"train", "--dataset", "csv:feat2.csv", "--test-frac", "1", "--out", "o"}, `isonet train: --test-frac must be in [0, 1), got 1`},
	{"subset < 0", []string{"train", "--dataset", "rings", "--subset", "-1", "--out", "o"}, `isonet train: --subset must be ≥ 0, got -1`},
	{"test subset < 0", []string{"train", "--dataset", "rings", "--test-subset", "-1", "--out", "o"}, `isonet train: --test-subset must be ≥ 0, got -1`},
	{"log-every < 0", []string{"train", "--dataset", "rings", "--log-every", "-1", "--out", "o"}, `isonet train: --log-every must be ≥ 0, got -1`},
	{"bad label column", []string{"train", "--dataset", "csv:feat2.csv", "--label-cols", "x", "--out", "o"}, `isonet train: --label-cols: "x" is not a column index ≥ 0`},
	{"checkpoint-every < -1", []string{"train", "--dataset", "rings", "--checkpoint-every", "-2", "--out", "o"}, `isonet train: --checkpoint-every must be ≥ -1, got -2`},
	{"no --out", []string{"train", "--dataset", "rings"}, `isonet train: --out DIR is required`},
	{"--out exists without --force", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "full"}, `isonet train: --out full is not an isonet folder (it holds notes.txt); choose another --out`},

	// train: data sets.
	{"unknown dataset", []string{"train", "--dataset", "cifar", "--out", "o"}, `isonet train: unknown dataset "cifar" (want mnist, fashion-mnist, rings, torus or csv:PATH)`},
	{"csv: without a path", []string{"train", "--dataset", "csv:", "--out", "o"}, `isonet train: --dataset csv:PATH needs a path after csv:`},
	{"missing CSV", []string{"train", "--dataset", "csv:nope.csv", "--out", "o"}, `isonet train: csv: open nope.csv: no such file or directory`},
	{"empty CSV", []string{"train", "--dataset", "csv:empty.csv", "--out", "o"}, `isonet train: csv: empty.csv: empty file`},
	{"CSV with a header only", []string{"train", "--dataset", "csv:header.csv", "--out", "o"}, `isonet train: csv: header.csv: no data rows (only a header)`},
	{"ragged CSV", []string{"train", "--dataset", "csv:ragged.csv", "--out", "o"}, `isonet train: csv: ragged.csv: line 2: 2 fields, want 3 (as on the first line)`},
	{"CSV non-number", []string{"train", "--dataset", "csv:word.csv", "--out", "o"}, `isonet train: csv: word.csv: line 2, column 2: not a number: "abc"`},
	{"CSV NaN", []string{"train", "--dataset", "csv:nan.csv", "--out", "o"}, `isonet train: csv: nan.csv: line 2, column 2: "NaN" is NaN or Inf as a float32 feature`},
	{"CSV Inf", []string{"train", "--dataset", "csv:inf.csv", "--out", "o"}, `isonet train: csv: inf.csv: line 3, column 2: "-Inf" is NaN or Inf as a float32 feature`},
	{"CSV empty label", []string{"train", "--dataset", "csv:emptylabel.csv", "--out", "o"}, `isonet train: csv: emptylabel.csv: line 2, column 3: empty label (label level 0 needs a value on every row)`},
	{"CSV one class", []string{"train", "--dataset", "csv:oneclass.csv", "--out", "o"}, `isonet train: the training set of oneclass has a single class ("a") in 4 examples; a classifier needs at least 2`},
	{"IDX one class", []string{"train", "--dataset", "mnist", "--data-dir", "idx-onelabel", "--out", "o"}, `isonet train: the training set of idx-onelabel-train has a single class ("0") in 10 examples; a classifier needs at least 2`},
	{"IDX folder missing files", []string{"train", "--dataset", "mnist", "--data-dir", "idx-missing", "--out", "o"}, `isonet train: mnist: idx-missing: no train-images-idx3-ubyte file (looked for train-images-idx3-ubyte.gz, train-images-idx3-ubyte, train-images.idx3-ubyte.gz, train-images.idx3-ubyte)`},
	{"IDX bad magic", []string{"train", "--dataset", "mnist", "--data-dir", "idx-magic", "--out", "o"}, `isonet train: idx: idx-magic/train-images-idx3-ubyte: bad magic number 00 00 12 34: want 00 00 <type> <1..16 dims> (is this an IDX file?)`},
	{"IDX truncated", []string{"train", "--dataset", "mnist", "--data-dir", "idx-trunc", "--out", "o"}, `isonet train: idx: idx-trunc/train-images-idx3-ubyte: truncated file: header claims 10×2×2 = 40 data bytes, got 25 (from the file size)`},
	{"IDX count mismatch", []string{"train", "--dataset", "mnist", "--data-dir", "idx-count", "--out", "o"}, `isonet train: idx: mismatched counts: idx-count/train-images-idx3-ubyte has 10 images but idx-count/train-labels-idx1-ubyte.gz has 9 labels`},
	{"IDX corrupt gzip", []string{"train", "--dataset", "mnist", "--data-dir", "idx-gz", "--out", "o"}, `isonet train: idx: idx-gz/train-labels-idx1-ubyte.gz: gzip: unexpected EOF`},
	{"IDX claims 10⁹ images", []string{"train", "--dataset", "mnist", "--data-dir", "idx-huge", "--out", "o"}, `isonet train: idx: idx-huge/train-images-idx3-ubyte: header claims dimensions 1000000000×28×28, more than the 4294967296-byte limit`},

	// train: resume and the stacked path.
	{"resume without a checkpoint", []string{"train", "--resume", "m"}, `isonet train: --resume m: there is no checkpoint m.checkpoint (a run saves one every --checkpoint-every epochs and on Ctrl-C; a finished run removes it)`},
	{"resume with settings", []string{"train", "--resume", "r3", "--beta", "2"}, `isonet train: --beta cannot be used with --resume: the run continues with the settings in its checkpoint`},
	{"resume a corrupt checkpoint", []string{"train", "--resume", "bad"}, `isonet train: checkpoint bad.checkpoint: bad checkpoint.json: invalid character 'x' looking for beginning of value`},
	{"resume: data gained a class", []string{"train", "--resume", "r3"}, `isonet train: checkpoint model has 2 outputs but the data set has 3 classes`},
	{"resume: data gained a feature", []string{"train", "--resume", "rf"}, `isonet train: checkpoint model takes 2 inputs but the data set has 3`},
	{"stacked: non-refining hierarchy", []string{"train", "--stacked", "--dataset", "csv:nonref.csv", "--label-cols", "2,3", "--out", "o"}, `isonet train: stacked: data set nonref: label level 1 does not refine level 0: its class "y" has examples in level-0 classes "a" and "b" (each class must lie inside one class of the level before)`},
	{"stacked: one level", []string{"train", "--stacked", "--dataset", "rings", "--out", "o"}, `isonet train: stacked: data set rings has 1 label level; a stack needs at least 2 (give several label columns, coarsest first, or a label tree)`},
	{"--shared-head without --stacked", []string{"train", "--shared-head", "--dataset", "torus", "--out", "o"}, `isonet train: --shared-head and --levels need --stacked`},

	// eval: model folders and data.
	{"eval without --model", []string{"eval"}, `isonet eval: --model DIR is required`},
	{"model folder missing", []string{"eval", "--model", "nope"}, `isonet eval: model: nope: no model.safetensors (is this a model folder?)`},
	{"model folder empty", []string{"eval", "--model", "m-none"}, `isonet eval: model: m-none: no model.safetensors (is this a model folder?)`},
	{"weights empty", []string{"eval", "--model", "m-empty"}, `isonet eval: model: safetensors: m-empty/model.safetensors: file is 0 bytes, shorter than the 8-byte header length`},
	{"weights truncated", []string{"eval", "--model", "m-trunc"}, `isonet eval: model: safetensors: m-trunc/model.safetensors: tensor "layers.1.bias": data_offsets [72, 80] extend past the end of the 73-byte data buffer`},
	{"config.json truncated", []string{"eval", "--model", "m-json"}, `isonet eval: model: m-json/config.json: bad config: unexpected EOF`},
	{"config.json trailing data", []string{"eval", "--model", "m-tail"}, `isonet eval: model: m-tail/config.json: bad config: data after the JSON object`},
	{"config.json unknown field", []string{"eval", "--model", "m-field"}, `isonet eval: model: m-field/config.json: bad config: json: unknown field "sead"`},
	{"config and weights disagree", []string{"eval", "--model", "m-shape"}, `isonet eval: model: m-shape/model.safetensors: safetensors: tensor "layers.0.weight" has shape [3 3], want [3 5]`},
	{"config claims huge layers", []string{"eval", "--model", "m-huge"}, `isonet eval: model: m-huge/model.safetensors: safetensors: tensor "layers.0.weight" has shape [3 3], want [4096 3]`},
	{"unexpected tensor", []string{"eval", "--model", "m-extra"}, `isonet eval: model: m-extra/model.safetensors: unexpected tensor "layers.9.weight" (config.json describes 4)`},
	{"NaN weight", []string{"eval", "--model", "m-nan"}, `isonet eval: model: m-nan/model.safetensors: tensor "layers.1.weight" holds NaN or Inf`},
	{"model inputs ≠ data features", []string{"eval", "--model", "m", "--dataset", "csv:feat2.csv"}, `isonet eval: model m takes 3 inputs but data set feat2 has 2 features`},
	{"eval on NaN CSV", []string{"eval", "--model", "m", "--dataset", "csv:nan.csv"}, `isonet eval: csv: nan.csv: line 2, column 2: "NaN" is NaN or Inf as a float32 feature`},
	{"eval: stacked flags on a flat model", []string{"eval", "--model", "m", "--levels", "0,0"}, `isonet eval: --label-cols and --levels are for stacked models; m is not one`},

	// attack.
	{"attack without --model", []string{"attack"}, `isonet attack: --model DIR is required`},
	{"ε < 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--eps", "-0.1"}, `isonet attack: --eps must be ≥ 0, got -0.1`},
	{"steps 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "pgd", "--steps", "0"}, `isonet attack: --steps must be ≥ 1 for --attack pgd, got 0`},
	{"norm 3", []string{"attack", "--model", "mi", "--data-dir", "idx", "--norm", "3"}, `isonet attack: --norm must be inf or 2, got "3"`},
	{"unknown attack", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "cw"}, `isonet attack: --attack must be one of fgsm, pgd, pgd-paper, apgd, square, apgd-dlr, apgd-t, fab, fab-t, autoattack, got "cw"`},
	{"square with L2", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "square", "--norm", "2"}, `isonet attack: --norm 2 is not supported by --attack square (L∞ only)`},
	{"PGD step < 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "pgd", "--step", "-1"}, `isonet attack: --step must be ≥ 0, got -1`},
	{"unknown attack loss", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack-loss", "hinge"}, `isonet attack: --attack-loss must be ce or train, got "hinge"`},
	{"attack batch 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--batch", "0"}, `isonet attack: --batch must be ≥ 1, got 0`},
	{"workers < 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--workers", "-1"}, `isonet attack: --workers must be ≥ 0, got -1`},
	{"--out without --sweep", []string{"attack", "--model", "mi", "--data-dir", "idx", "--out", "curves.json"}, `isonet attack: --out is written by --sweep only (a single attack prints its result; --json gives it as JSON)`},
	{"--out in a missing folder", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--out", "nope/curves.json"}, `isonet attack: --out nope/curves.json: folder nope does not exist`},
	{"attack inputs outside [0, 1]", []string{"attack", "--model", "m"}, `isonet attack: attack: input -0.72010875 of example 0 outside [0, 1]`},
	{"attack: model inputs ≠ data features", []string{"attack", "--model", "mi", "--dataset", "rings"}, `isonet attack: model mi takes 4 inputs but data set rings has 3 features`},
	{"attack: corrupt model", []string{"attack", "--model", "m-trunc"}, `isonet attack: model: safetensors: m-trunc/model.safetensors: tensor "layers.1.bias": data_offsets [72, 80] extend past the end of the 73-byte data buffer`},

	// embed and geometry.
	{"embed: unknown method", []string{"embed", "--model", "m", "--method", "tsne", "--out", "e"}, `isonet embed: unknown method "tsne" (want umap or pca)`},
	{"embed: dims 4", []string{"embed", "--model", "m", "--dims", "4", "--out", "e"}, `isonet embed: dims must be 2 or 3, got 4`},
	{"embed: neighbours 1", []string{"embed", "--model", "m", "--neighbors", "1", "--out", "e"}, `isonet embed: neighbors must be ≥ 2, got 1`},
	{"embed: min-dist < 0", []string{"embed", "--model", "m", "--min-dist", "-1", "--out", "e"}, `isonet embed: min-dist must be in (0, 1], got -1`},
	{"embed: layer out of range", []string{"embed", "--model", "m", "--layer", "9", "--out", "e"}, `isonet embed: layer 9 out of range 0..2 (0 = input, 2 = logits)`},
	{"embed: no --out", []string{"embed", "--model", "m"}, `isonet embed: --out BASE is required`},
	{"embed: model inputs ≠ data features", []string{"embed", "--model", "m", "--dataset", "csv:feat2.csv", "--out", "e"}, `isonet embed: model m takes 3 inputs but data set feat2 has 2 features`},
	{"geometry: neighbours 0", []string{"geometry", "--model", "m", "--neighbors", "0", "--out", "g"}, `isonet geometry: --neighbors must be ≥ 1, got 0`},
	{"geometry: max-points 0", []string{"geometry", "--model", "m", "--max-points", "0", "--out", "g"}, `isonet geometry: --max-points and --max-per-class must be ≥ 1 (or -1 for all)`},
	{"geometry: layer out of range", []string{"geometry", "--model", "m", "--layer", "9", "--out", "g"}, `isonet geometry: layer 9 out of range 0..2 (0 = input, 2 = logits)`},
	{"geometry: corrupt model", []string{"geometry", "--model", "m-json", "--out", "g"}, `isonet geometry: model: m-json/config.json: bad config: unexpected EOF`},

	// reproduce and bench.
	{"reproduce: unknown experiment", []string{"reproduce", "cifar"}, `isonet reproduce: unknown experiment "cifar" (want all, rings, torus, mnist or fashion)`},
	{"reproduce: bad seed", []string{"reproduce", "rings", "--seeds", "1,x"}, `isonet reproduce: --seeds: "x" is not a non-negative integer`},
	{"reproduce: bad β", []string{"reproduce", "mnist", "--betas", "0,abc"}, `isonet reproduce: --betas: "abc" is not a number`},
	{"reproduce: β < 0", []string{"reproduce", "mnist", "--betas", "0,-1"}, `isonet reproduce: --betas: β must be a finite number ≥ 0, got -1`},
	{"reproduce: unknown protocol", []string{"reproduce", "mnist", "--protocol", "mine"}, `isonet reproduce: --protocol must be standard, authors or both, got "mine"`},
	{"reproduce: epochs 0", []string{"reproduce", "mnist", "--epochs", "0"}, `isonet reproduce: --epochs must be ≥ 1, got 0`},
	{"bench: unknown workload", []string{"bench", "--only", "train-b0,foo"}, `isonet bench: --only: unknown workload "foo" (want train-b0, train-b1, fgsm, pgd10, toy-b1, umap-70k, autoattack-1000, crown-10000, alpha-crown-1000, train-aol, train-orthogonal)`},
	{"bench: unknown flag", []string{"bench", "--threads", "4"}, `isonet bench: flag provided but not defined: -threads (see --help)`},
}

// errorTable is a further table of bad inputs kept in its own file (one
// per area: output safety, data identity, ...), with the fixtures its rows
// need. Its fixtures run in the same folder as errorFixtures, after it; its
// rows follow errorCases in docs/errors.md, in file-name order.
type errorTable struct {
	fixtures func(t *testing.T) // may be nil
	cases    []errorCase
}

// errorTables is filled by init functions of the files that hold them.
var errorTables []errorTable

// allErrorCases is errorCases followed by every errorTable's rows.
func allErrorCases() []errorCase {
	all := append([]errorCase(nil), errorCases...)
	for _, tb := range errorTables {
		all = append(all, tb.cases...)
	}
	return all
}

// TestErrors runs every row of allErrorCases: exit status 2, exactly the
// expected line on stderr (so no panic trace and no second line), nothing
// on stdout, and no file created, changed or removed.
func TestErrors(t *testing.T) {
	errorFixtures(t)
	for _, tb := range errorTables {
		if tb.fixtures != nil {
			tb.fixtures(t)
		}
	}
	seen := map[string]bool{}
	for _, c := range allErrorCases() {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			before := tree(t)
			code, stdout, stderr := isonet(t, c.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if got := strings.TrimSuffix(stderr, "\n"); got != c.want {
				t.Errorf("stderr\n got %q\nwant %q", stderr, c.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if d := diffTree(before, tree(t)); len(d) > 0 {
				t.Errorf("files touched: %v", d)
			}
		})
	}
}

// TestErrorsDoc: docs/errors.md has one row per case of errorCases, with
// its message, in order.
func TestErrorsDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	pos := 0
	for _, c := range allErrorCases() {
		row := "| " + c.name + " |"
		i := strings.Index(doc[pos:], row)
		if i < 0 {
			t.Errorf("docs/errors.md: no row %q after byte %d", row, pos)
			continue
		}
		pos += i
		end := pos + strings.IndexByte(doc[pos:], '\n')
		if !strings.Contains(doc[pos:end], "`"+strings.ReplaceAll(c.want, "|", `\|`)+"`") {
			t.Errorf("docs/errors.md row %q lacks the message %q", c.name, c.want)
		}
	}
}

// TestInterruptAndResume: a run cancelled as Ctrl-C does (here once its
// first checkpoint exists, so at a step that varies from run to run) exits
// with status 130, saves a checkpoint and says how to resume; `--resume`
// then finishes it with exactly the weights of an uninterrupted run, and
// removes the checkpoint.
func TestInterruptAndResume(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "300", "--batch", "100", "--width", "3", "--depth", "1", "--beta", "1", "--seed", "5"}
	if code, _, stderr := isonet(t, append(args, "--checkpoint-every", "-1", "--out", "whole")...); code != 0 {
		t.Fatalf("uninterrupted run: %d %s", code, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			if _, err := os.Stat("cut.checkpoint"); err == nil {
				cancel()
				return
			}
		}
	}()
	var out, errb bytes.Buffer
	code := run(ctx, append(args, "--checkpoint-every", "20", "--out", "cut"), &out, &errb)
	close(done)
	if code != 130 {
		t.Fatalf("interrupted run: exit %d, want 130; stderr %q", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	last := lines[len(lines)-3:]
	if !strings.HasPrefix(last[0], "isonet train: interrupted at epoch ") || !strings.HasSuffix(last[0], "; checkpoint saved in cut.checkpoint") ||
		last[1] != "resume with: isonet train --resume cut" || last[2] != "isonet train: interrupted" {
		t.Errorf("stderr ends %q", last)
	}
	t.Log(last[0])
	if _, err := os.Stat("cut"); err == nil {
		t.Error("an interrupted run wrote its model folder")
	}
	code, stdout, stderr := isonet(t, "train", "--quiet", "--resume", "cut")
	if code != 0 || !strings.HasPrefix(stderr, "resuming cut at epoch ") || !strings.Contains(stdout, "model in cut") {
		t.Fatalf("resume: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	want, _ := os.ReadFile("whole/model.safetensors")
	got, err := os.ReadFile("cut/model.safetensors")
	if err != nil || len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("resumed weights differ from the uninterrupted run's (%v)", err)
	}
	if _, err := os.Stat("cut.checkpoint"); err == nil {
		t.Error("the checkpoint outlived the finished run")
	}
}
