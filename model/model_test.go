package model

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := Flat([]int{5, 7, 7, 3}, nn.Tanh, train.Defaults(3))
	cfg.Dataset = "rings"
	m, err := Build(cfg, func(_ int, n *nn.MLP) {
		for _, l := range n.Layers {
			l.Reset(nn.InitPyTorch, rng)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "m")
	if err := Save(dir, m, map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Net().Params() {
		q := got.Net().Params()[i]
		if p.Name != q.Name || len(p.Data) != len(q.Data) {
			t.Fatalf("param %d: %s vs %s", i, p.Name, q.Name)
		}
		for j := range p.Data {
			if p.Data[j] != q.Data[j] {
				t.Fatalf("%s[%d]: saved %g, loaded %g", p.Name, j, p.Data[j], q.Data[j])
			}
		}
	}
	if got.Config.Dataset != "rings" || got.Config.Blocks[0].Train.IsoLayer != 2 {
		t.Errorf("config not restored: %+v", got.Config)
	}
	if err := Save(dir, m, nil); err == nil || !strings.Contains(err.Error(), "SaveForce with force") {
		t.Errorf("saving over an existing model: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Errorf("temporary folders left behind: %v", ents)
	}
}

// handWritten builds a safetensors file byte by byte, as another program
// would: header length, JSON header, little-endian float32 data.
func handWritten(t *testing.T, tensors [][2]any) []byte {
	var hdr strings.Builder
	var buf bytes.Buffer
	hdr.WriteString("{")
	for i, tv := range tensors {
		name := tv[0].(string)
		vals := tv[1].([]float32)
		shape := "[" + itoa(len(vals)) + "]"
		if strings.HasSuffix(name, "weight") { // every layer here takes 2 inputs
			shape = "[" + itoa(len(vals)/2) + ",2]"
		}
		if i > 0 {
			hdr.WriteString(",")
		}
		start := buf.Len()
		for _, v := range vals {
			binary.Write(&buf, binary.LittleEndian, v)
		}
		hdr.WriteString(`"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + itoa(start) + "," + itoa(buf.Len()) + "]}")
	}
	hdr.WriteString("}")
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, uint64(hdr.Len()))
	out.WriteString(hdr.String())
	out.Write(buf.Bytes())
	return out.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestLoadForeignFile: a file written by another program in the documented
// layout, without config.json, loads and predicts as computed by hand.
func TestLoadForeignFile(t *testing.T) {
	// layer 0: 2→2, W = [[1, 0], [0, 1]], b = [0, 0]; tanh
	// layer 1: 2→2, W = [[1, -1], [-1, 1]], b = [0.1, 0]
	file := handWritten(t, [][2]any{
		{"layers.0.weight", []float32{1, 0, 0, 1}},
		{"layers.0.bias", []float32{0, 0}},
		{"layers.1.weight", []float32{1, -1, -1, 1}},
		{"layers.1.bias", []float32{0.1, 0}},
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, WeightsFile), file, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	net := m.Net()
	x := tensor.FromSlice(2, 2, []float32{0.5, -0.25, -1, 2})
	logits := net.Forward(net.NewWorkspace(), x)
	for i := 0; i < 2; i++ {
		h0, h1 := math.Tanh(float64(x.At(i, 0))), math.Tanh(float64(x.At(i, 1)))
		want := []float64{h0 - h1 + 0.1, -h0 + h1}
		for j, w := range want {
			if math.Abs(float64(logits.At(i, j))-w) > 1e-6 {
				t.Errorf("logit (%d,%d) = %g, want %g", i, j, logits.At(i, j), w)
			}
		}
	}
	pred := nn.Predict(net, x)
	if pred[0] != 0 || pred[1] != 1 {
		t.Errorf("predictions %v, want [0 1]", pred)
	}
}

func TestLoadErrors(t *testing.T) {
	good := handWritten(t, [][2]any{
		{"layers.0.weight", []float32{1, 0, 0, 1}},
		{"layers.0.bias", []float32{0, 0}},
	})
	cases := map[string]func(dir string){
		"no weights": func(dir string) {},
		"truncated": func(dir string) {
			os.WriteFile(filepath.Join(dir, WeightsFile), good[:len(good)-3], 0o644)
		},
		"missing tensor": func(dir string) {
			os.WriteFile(filepath.Join(dir, WeightsFile), good, 0o644)
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"format":"isonet-model/1","seed":0,"classes":[2],"blocks":[{"sizes":[2,2,2],"activation":"tanh","level":0,"train":{"alpha":1,"beta":0,"mask":"class","iso_scale":1,"iso_layer":1,"epochs":1,"batch":1,"lr":0.001,"optimizer":"adam","seed":0}}]}`), 0o644)
		},
		"shape mismatch": func(dir string) {
			os.WriteFile(filepath.Join(dir, WeightsFile), good, 0o644)
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"format":"isonet-model/1","seed":0,"classes":[2],"blocks":[{"sizes":[3,2],"activation":"tanh","level":0,"train":{"alpha":1,"beta":0,"mask":"class","iso_scale":1,"iso_layer":1,"epochs":1,"batch":1,"lr":0.001,"optimizer":"adam","seed":0}}]}`), 0o644)
		},
		"unknown config field": func(dir string) {
			os.WriteFile(filepath.Join(dir, WeightsFile), good, 0o644)
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"format":"isonet-model/1","sizez":[2,2]}`), 0o644)
		},
		"bad json": func(dir string) {
			os.WriteFile(filepath.Join(dir, WeightsFile), good, 0o644)
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"format":`), 0o644)
		},
	}
	for name, setup := range cases {
		dir := t.TempDir()
		setup(dir)
		if _, err := Load(dir); err == nil {
			t.Errorf("%s: loaded without error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", name, err)
		}
	}
}

// config.json's "data" is parsed as strictly as the rest: an unknown field
// in it is an error; a config without it (an older model folder) loads.
func TestConfigData(t *testing.T) {
	with := strings.Replace(seedData, `"label_cols"`, `"label_colz"`, 1)
	if _, err := ParseConfig([]byte(with)); err == nil || !strings.Contains(err.Error(), `unknown field "label_colz"`) {
		t.Errorf("unknown field in data: %v", err)
	}
	cfg, err := ParseConfig([]byte(seedData))
	if err != nil || cfg.Data == nil || cfg.Data.Split.TestRows != 2 || cfg.Data.ClassNames[0][1] != "dog" {
		t.Fatalf("%v %+v", err, cfg.Data)
	}
	if cfg, err := ParseConfig([]byte(seedConfig)); err != nil || cfg.Data != nil {
		t.Errorf("config without data: %v %+v", err, cfg.Data)
	}
	bad := strings.Replace(seedData, `["cat","dog"]`, `["cat","dog","eel"]`, 1)
	if _, err := ParseConfig([]byte(bad)); err == nil || err.Error() != "data: 3 class names for the finest label level, but classes gives 2 classes" {
		t.Errorf("class names ≠ classes: %v", err)
	}
	bad = strings.Replace(seedData, `"classes":[2]`, `"classes":[5]`, 1)
	if _, err := ParseConfig([]byte(bad)); err == nil || err.Error() != "block 0: 2 outputs, but classes gives 5 classes for its level 0" {
		t.Errorf("classes ≠ outputs: %v", err)
	}
	bad = strings.Replace(seedData, `"source":"csv"`, `"source":"web"`, 1)
	if _, err := ParseConfig([]byte(bad)); err == nil || err.Error() != `data: unknown source "web"` {
		t.Errorf("unknown source: %v", err)
	}
}
