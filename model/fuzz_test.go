package model

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/safetensors"
	"github.com/isonet/isonet/train"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/ and run as ordinary
// tests under `go test`; `go test -fuzz=FuzzParseConfig ./model/` and
// `go test -fuzz=FuzzLoad ./model/` explore more.

// seedConfig is a valid config.json of a flat 2→3→2 model.
const seedConfig = `{"format":"isonet-model/1","dataset":"rings","seed":3,"classes":[2],"blocks":[{"sizes":[2,3,2],"activation":"tanh","level":0,` +
	`"train":{"alpha":1,"beta":1,"mask":"class","iso_scale":1,"iso_layer":1,"epochs":2,"batch":100,"lr":0.001,"optimizer":"adam","seed":3}}]}`

// seedStacked is a valid config.json of a two-block stack whose second
// block reads the first block's layer 1.
const seedStacked = `{"format":"isonet-model/1","seed":0,"classes":[2,4],"blocks":[` +
	`{"sizes":[3,4,2],"activation":"relu","level":0,"train":{"alpha":1,"beta":0,"mask":"class","iso_scale":1,"iso_layer":1,"epochs":1,"batch":1,"lr":0.01,"optimizer":"sgd","seed":0}},` +
	`{"sizes":[4,2,4],"activation":"tanh","level":1,"input_layer":1,"train":{"alpha":1,"beta":2,"mask":"global","iso_scale":0.5,"iso_layer":2,"epochs":1,"batch":1,"lr":0.01,"optimizer":"adam","seed":0}}]}`

// seedData is seedConfig with the data it was trained on recorded (a CSV
// file, its split and class names).
const seedData = `{"format":"isonet-model/1","dataset":"csv:a.csv","seed":3,"classes":[2],"blocks":[{"sizes":[2,3,2],"activation":"tanh","level":0,` +
	`"train":{"alpha":1,"beta":1,"mask":"class","iso_scale":1,"iso_layer":1,"epochs":2,"batch":100,"lr":0.001,"optimizer":"adam","seed":3}}],` +
	`"data":{"name":"csv","source":"csv","path":"/tmp/a.csv","path_given":"a.csv","sha256":{"a.csv":"00"},` +
	`"split":{"test_frac":0.2,"seed":3,"rows":10,"test_rows":2,"test_rows_sha256":"ab"},"label_cols":[2],"class_names":[["cat","dog"]]}}`

// FuzzParseConfig checks that no config.json panics ParseConfig, and that
// an accepted one is valid, names the format, and survives a round trip
// through JSON unchanged.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(seedConfig))
	f.Add([]byte(seedStacked))
	f.Add([]byte(seedData))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if cfg.Format != Format {
			t.Fatalf("accepted format %q", cfg.Format)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		again, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		cfg2, err := ParseConfig(again)
		if err != nil {
			t.Fatalf("round trip refused: %v (%s)", err, again)
		}
		if !reflect.DeepEqual(cfg, cfg2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, cfg2)
		}
	})
}

// modelFiles returns the config.json and model.safetensors bytes that Save
// writes for a model with config cfg and seeded weights.
func modelFiles(tb testing.TB, cfg Config, seed uint64) (cfgBytes, weights []byte) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m, err := Build(cfg, func(_ int, n *nn.MLP) {
		for _, l := range n.Layers {
			l.Reset(nn.InitPyTorch, rng)
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), "m")
	if err := Save(dir, m, nil); err != nil {
		tb.Fatal(err)
	}
	if cfgBytes, err = os.ReadFile(filepath.Join(dir, ConfigFile)); err != nil {
		tb.Fatal(err)
	}
	if weights, err = os.ReadFile(filepath.Join(dir, WeightsFile)); err != nil {
		tb.Fatal(err)
	}
	return cfgBytes, weights
}

// FuzzLoad writes a fuzzed config.json (none when the bytes are empty) and
// model.safetensors into a folder and loads it. Load must not panic nor
// allocate beyond what the files hold; a model it accepts has exactly the
// file's tensors, with the config's shapes, finite, bit for bit.
func FuzzLoad(f *testing.F) {
	flat, err := ParseConfig([]byte(seedConfig))
	if err != nil {
		f.Fatal(err)
	}
	st, err := ParseConfig([]byte(seedStacked))
	if err != nil {
		f.Fatal(err)
	}
	c1, w1 := modelFiles(f, flat, 1)
	c2, w2 := modelFiles(f, st, 2)
	f.Add(c1, w1)
	f.Add(c2, w2)
	f.Add([]byte{}, w1) // no config.json: the layout is inferred
	f.Fuzz(func(t *testing.T, cfgBytes, weights []byte) {
		dir := t.TempDir()
		if len(cfgBytes) > 0 {
			if err := os.WriteFile(filepath.Join(dir, ConfigFile), cfgBytes, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, WeightsFile), weights, 0o644); err != nil {
			t.Fatal(err)
		}
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Load(dir)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		// Params and their gradients, the decoded file, slack: a bound
		// that a config claiming layers larger than the file breaks.
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(weights)+len(cfgBytes))+1<<20 {
			t.Fatalf("Load allocated %d bytes for %d bytes of files", grew, len(weights)+len(cfgBytes))
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		file, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
		if err != nil {
			t.Fatalf("Load accepted a file safetensors refuses: %v", err)
		}
		if err := m.Config.Validate(); err != nil {
			t.Fatalf("loaded an invalid config: %v", err)
		}
		ts := m.Tensors()
		if len(ts) != len(file.Tensors) {
			t.Fatalf("model has %d tensors, file %d", len(ts), len(file.Tensors))
		}
		for k, b := range m.Config.Blocks {
			if !reflect.DeepEqual(m.Blocks[k].Sizes(), b.Sizes) || string(m.Blocks[k].Act) != b.Activation {
				t.Fatalf("block %d: built %v %s, config says %v %s", k, m.Blocks[k].Sizes(), m.Blocks[k].Act, b.Sizes, b.Activation)
			}
		}
		for _, p := range ts {
			ft := file.Tensors[p.Name]
			if ft == nil || !reflect.DeepEqual(ft.Shape, p.Shape) || len(ft.Data) != len(p.Data) {
				t.Fatalf("tensor %q: model shape %v, file %v", p.Name, p.Shape, ft)
			}
			for i, v := range p.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s[%d] = %v accepted", p.Name, i, v)
				}
				if math.Float32bits(v) != math.Float32bits(ft.Data[i]) {
					t.Fatalf("%s[%d] = %v, file holds %v", p.Name, i, v, ft.Data[i])
				}
			}
		}
	})
}

// TestLoadHugeClaimRefusedBeforeAllocating: a config.json claiming
// 4096×4096 layers next to a tiny weights file is an error naming the
// tensor, found before the 128 MB of parameters are allocated.
func TestLoadHugeClaimRefusedBeforeAllocating(t *testing.T) {
	_, w := modelFiles(t, Flat([]int{2, 3, 2}, nn.Tanh, train.Defaults(2)), 1)
	cfg := strings.Replace(seedConfig, `"sizes":[2,3,2]`, `"sizes":[4096,4096,2]`, 1)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(dir, WeightsFile), w, 0o644)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(dir)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), `"layers.0.weight" has shape [3 2], want [4096 4096]`) {
		t.Errorf("got %v, want the shape of layers.0.weight named", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("Load allocated %d bytes before refusing", grew)
	}
}

// TestParseConfigTrailingData: a config.json with anything after its JSON
// object (two files concatenated, a botched edit) is refused, not read as
// its first half.
func TestParseConfigTrailingData(t *testing.T) {
	for _, tail := range []string{"x", "{}", `{"format":"isonet-model/1"}`, "]"} {
		_, err := ParseConfig([]byte(seedConfig + "\n" + tail))
		if err == nil || !strings.Contains(err.Error(), "after the JSON object") {
			t.Errorf("tail %q: got %v", tail, err)
		}
	}
	if _, err := ParseConfig([]byte(seedConfig + " \n\t\n")); err != nil {
		t.Errorf("trailing white space refused: %v", err)
	}
}
