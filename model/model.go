// Package model is a trained isonet network as a whole: its blocks and
// what it knows of itself (layers, isometric layer and scale, objective, the
// forward pass through a stack, its attack view), saved and loaded as a
// folder.
//
// A model is a folder holding config.json (sizes, activation, the isometric
// settings, seed) and model.safetensors with float32 tensors layers.{i}.weight
// [out, in] and layers.{i}.bias [out] for every Linear layer in order,
// classifier last — PyTorch's nn.Linear layout, so
// `safetensors.torch.load_file` reads it. A stacked model names its tensors
// blocks.{k}.layers.{i}.*.
//
// A Model also knows its layers: layer 0 is the input, Layers() the logits
// of its last block, IsoLayer() the layer its isometric term acted on, and
// Representation computes any of them for a batch of inputs, feeding a
// stacked model's blocks one into the next (Forward, BlockInputs).
package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/safetensors"
	"github.com/isonet/isonet/train"
)

// Format is the value of config.json's "format" field.
const Format = "isonet-model/1"

// File names inside a model folder.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
	MetricsFile = "metrics.json"
)

// Block describes one LIL block: an MLP and the training settings of its
// isometric term. A flat model has one block.
type Block struct {
	Sizes      []int        `json:"sizes"`                 // input, hidden widths..., classes
	Activation string       `json:"activation"`            // tanh or relu
	Level      int          `json:"level"`                 // label level this block was trained on
	InputLayer int          `json:"input_layer,omitempty"` // for block k>0: which H of block k−1 is its input
	Train      train.Config `json:"train"`
}

// Config is the content of config.json.
type Config struct {
	Format     string  `json:"format"`
	Dataset    string  `json:"dataset,omitempty"`
	Init       string  `json:"init,omitempty"`
	Seed       uint64  `json:"seed"`
	Blocks     []Block `json:"blocks"`
	Classes    []int   `json:"classes"` // classes per label level, coarsest first
	SharedHead bool    `json:"shared_head,omitempty"`
	// Protocol records the training protocol name (standard, authors, ...).
	Protocol string `json:"protocol,omitempty"`
	// Data records which data the model was trained on: the set, where it
	// came from, the content hash of its files, a CSV file's split and
	// label columns, and the class names. nil in a model folder written
	// before isonet recorded it (its data is unknown).
	Data *data.Provenance `json:"data,omitempty"`
}

// Model is a loaded or freshly built model.
type Model struct {
	Config Config
	Blocks []*nn.MLP
}

// Stacked reports whether m has more than one block.
func (m *Model) Stacked() bool { return len(m.Blocks) > 1 }

// LastBlock returns the description of the model's last block (its only
// one when flat): the block whose isometric settings (iso layer, K, mask)
// describe the model's representation.
func (m *Model) LastBlock() Block { return m.Config.Blocks[len(m.Config.Blocks)-1] }

// Net returns the single network of a flat model (the last block of a
// stacked one).
func (m *Model) Net() *nn.MLP { return m.Blocks[len(m.Blocks)-1] }

func (m *Model) prefix(k int) string {
	if len(m.Blocks) == 1 {
		return ""
	}
	return "blocks." + strconv.Itoa(k) + "."
}

// Tensors lists m's parameters (sharing their memory) with their file names.
func (m *Model) Tensors() []*safetensors.Tensor {
	var ts []*safetensors.Tensor
	for k, b := range m.Blocks {
		for _, p := range b.Params() {
			ts = append(ts, &safetensors.Tensor{Name: m.prefix(k) + p.Name, DType: "F32", Shape: p.Shape, Data: p.Data})
		}
	}
	return ts
}

// Exists reports whether dir exists and is not empty.
func Exists(dir string) bool {
	ents, err := os.ReadDir(dir)
	return err == nil && len(ents) > 0
}

// Save writes m, and metrics (any JSON-encodable value, or nil) into dir.
// The folder appears complete or not at all: everything is written into a
// temporary folder beside dir, which is then renamed. An existing non-empty
// dir is an error (SaveForce may replace a model folder).
func Save(dir string, m *Model, metrics any) error {
	return SaveForce(dir, m, metrics, false)
}

// SaveForce is Save with the choice to replace an existing model folder.
// Even with force only a model folder isonet wrote (see internal/outdir)
// is replaced: a file, a folder isonet wrote for something else (a
// reproduce run, a geometry folder, a checkpoint), or a folder holding
// anything isonet did not write, is an error and is left as it was. The folder gets outdir's marker file.
func SaveForce(dir string, m *Model, metrics any, force bool) error {
	info, err := outdir.Classify(dir)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if mk, ok := outdir.ReadMarker(dir); ok && info.Kind != outdir.File && mk.Kind != outdir.ModelKind {
		// A reproduce run, a geometry folder, a checkpoint: never a
		// model's to replace, whatever it holds (as outdir.CheckDir).
		return fmt.Errorf("model: %s is an isonet %s folder, not a model folder; SaveForce replaces only model folders isonet wrote", dir, mk.Kind)
	}
	switch {
	case info.Kind == outdir.File:
		return fmt.Errorf("model: %s is a file, not a folder", dir)
	case info.Kind == outdir.Owned && info.What != outdir.ModelKind:
		return fmt.Errorf("model: %s is an isonet %s folder, not a model folder; SaveForce replaces only model folders isonet wrote", dir, info.What)
	case info.Kind == outdir.Foreign:
		return fmt.Errorf("model: %s is not an isonet folder (it holds %s)", dir, strings.Join(info.Foreign, ", "))
	case info.Kind == outdir.Owned && !force:
		return fmt.Errorf("model: %s exists and is not empty (SaveForce with force replaces a model folder)", dir)
	}
	cfg := m.Config
	cfg.Format = Format
	return WriteDir(dir, true, func(tmp string) error {
		if err := WriteJSON(filepath.Join(tmp, ConfigFile), cfg); err != nil {
			return err
		}
		if err := safetensors.WriteFile(filepath.Join(tmp, WeightsFile), m.Tensors(), map[string]string{"format": "pt", "isonet": Format}); err != nil {
			return err
		}
		if metrics != nil {
			if err := WriteJSON(filepath.Join(tmp, MetricsFile), metrics); err != nil {
				return err
			}
		}
		return outdir.Mark(tmp, "model")
	})
}

// WriteDir fills a temporary folder beside dir with fill and renames it to
// dir, so that dir appears complete or not at all (see atomicfile.WriteDir).
func WriteDir(dir string, replace bool, fill func(tmp string) error) error {
	return atomicfile.WriteDir(dir, replace, fill)
}

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error { return atomicfile.WriteJSON(path, v) }

// Load reads the model in dir. When config.json is absent the layout is
// inferred from the tensor names and shapes (tanh activation assumed), so a
// file written by another program in the documented layout loads too.
func Load(dir string) (*Model, error) {
	wpath := filepath.Join(dir, WeightsFile)
	f, err := safetensors.ReadFile(wpath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("model: %s: no %s (is this a model folder?)", dir, WeightsFile)
		}
		return nil, fmt.Errorf("model: %w", err)
	}
	var cfg Config
	cb, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	switch {
	case err == nil:
		if cfg, err = ParseConfig(cb); err != nil {
			return nil, fmt.Errorf("model: %s: %w", filepath.Join(dir, ConfigFile), err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if cfg, err = inferConfig(f); err != nil {
			return nil, fmt.Errorf("model: %s: %w", wpath, err)
		}
	default:
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model: %s: %w", dir, err)
	}
	// Compare the shapes first, so that a config.json claiming layers
	// larger than the weights file holds is refused before allocating.
	if err := checkShapes(cfg, f); err != nil {
		return nil, fmt.Errorf("model: %s: %w", wpath, err)
	}
	m, err := Build(cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", dir, err)
	}
	want := map[string]bool{}
	for k, b := range m.Blocks {
		for _, p := range b.Params() {
			name := m.prefix(k) + p.Name
			want[name] = true
			t, err := f.Get(name, p.Shape...)
			if err != nil {
				return nil, fmt.Errorf("model: %s: %w", wpath, err)
			}
			for _, v := range t.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("model: %s: tensor %q holds NaN or Inf", wpath, name)
				}
			}
			copy(p.Data, t.Data)
		}
	}
	for _, name := range f.Names() {
		if !want[name] {
			return nil, fmt.Errorf("model: %s: unexpected tensor %q (config.json describes %d)", wpath, name, len(want))
		}
	}
	return m, nil
}

// checkShapes checks that f holds every tensor of a valid cfg with the
// shape cfg gives it (names as Model.Tensors writes them).
func checkShapes(cfg Config, f *safetensors.File) error {
	for k, b := range cfg.Blocks {
		prefix := ""
		if len(cfg.Blocks) > 1 {
			prefix = "blocks." + strconv.Itoa(k) + "."
		}
		for i := 0; i+1 < len(b.Sizes); i++ {
			l := prefix + "layers." + strconv.Itoa(i)
			if _, err := f.Get(l+".weight", b.Sizes[i+1], b.Sizes[i]); err != nil {
				return err
			}
			if _, err := f.Get(l+".bias", b.Sizes[i+1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ParseConfig decodes and validates config.json's content; unknown fields
// are errors, so a typo does not silently fall back to a default.
func ParseConfig(b []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("bad config: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return cfg, errors.New("bad config: data after the JSON object")
	}
	if cfg.Format != Format {
		return cfg, fmt.Errorf("format is %q, want %q", cfg.Format, Format)
	}
	if d := cfg.Data; d != nil { // empty lists as absent, as they are written
		if len(d.SHA256) == 0 {
			d.SHA256 = nil
		}
		if len(d.LabelCols) == 0 {
			d.LabelCols = nil
		}
		if len(d.ClassNames) == 0 {
			d.ClassNames = nil
		}
	}
	return cfg, cfg.Validate()
}

// Validate checks that the configuration describes a buildable model.
func (c *Config) Validate() error {
	if len(c.Blocks) == 0 {
		return errors.New("config has no blocks")
	}
	for k, b := range c.Blocks {
		if len(b.Sizes) < 2 {
			return fmt.Errorf("block %d: sizes %v: need an input and an output size", k, b.Sizes)
		}
		for _, s := range b.Sizes {
			if s < 1 || s > 1<<20 {
				return fmt.Errorf("block %d: layer size %d out of range 1..%d", k, s, 1<<20)
			}
		}
		if b.Activation != string(nn.Tanh) && b.Activation != string(nn.ReLU) && b.Activation != string(nn.MaxMin) {
			return fmt.Errorf("block %d: unknown activation %q", k, b.Activation)
		}
		if err := b.Train.Validate(len(b.Sizes) - 1); err != nil {
			return fmt.Errorf("block %d: %w", k, err)
		}
		if len(c.Classes) > 0 {
			if b.Level < 0 || b.Level >= len(c.Classes) {
				return fmt.Errorf("block %d: level %d out of range: the config has %d label levels", k, b.Level, len(c.Classes))
			}
			if out := b.Sizes[len(b.Sizes)-1]; out != c.Classes[b.Level] {
				return fmt.Errorf("block %d: %d outputs, but classes gives %d classes for its level %d", k, out, c.Classes[b.Level], b.Level)
			}
		}
		if k > 0 {
			prev := c.Blocks[k-1]
			if b.InputLayer < 1 || b.InputLayer >= len(prev.Sizes) {
				return fmt.Errorf("block %d: input_layer %d out of range 1..%d", k, b.InputLayer, len(prev.Sizes)-1)
			}
			if prev.Sizes[b.InputLayer] != b.Sizes[0] {
				return fmt.Errorf("block %d: input size %d differs from block %d's layer %d width %d", k, b.Sizes[0], k-1, b.InputLayer, prev.Sizes[b.InputLayer])
			}
		}
	}
	return c.validateData()
}

// validateData checks the recorded data against the class counts.
func (c *Config) validateData() error {
	if c.Data == nil {
		return nil
	}
	if err := c.Data.Validate(); err != nil {
		return err
	}
	// One list of names per label column of the data. A flat model trained
	// on several columns predicts the last (finest) one, and a stack may
	// derive coarser levels from a label tree, so the finest level is the
	// one compared.
	if names := c.Data.ClassNames; len(names) > 0 && len(c.Classes) > 0 {
		if got, want := len(names[len(names)-1]), c.Classes[len(c.Classes)-1]; got != want {
			return fmt.Errorf("data: %d class names for the finest label level, but classes gives %d classes", got, want)
		}
	}
	return nil
}

// Build makes the model c describes; with init non-nil its weights are
// initialised by it (block k, layer) — Load passes nil and fills them.
func Build(c Config, init func(k int, m *nn.MLP)) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: c}
	for k, b := range c.Blocks {
		net, err := nn.NewMLP(b.Sizes, nn.Activation(b.Activation), nn.InitPyTorch, nil)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", k, err)
		}
		if init != nil {
			init(k, net)
		}
		m.Blocks = append(m.Blocks, net)
	}
	return m, nil
}

// inferConfig reconstructs a flat tanh model's config from tensor names
// layers.{i}.weight / layers.{i}.bias.
func inferConfig(f *safetensors.File) (Config, error) {
	var sizes []int
	for i := 0; ; i++ {
		w, ok := f.Tensors[fmt.Sprintf("layers.%d.weight", i)]
		if !ok {
			break
		}
		if len(w.Shape) != 2 {
			return Config{}, fmt.Errorf("tensor layers.%d.weight has shape %v, want [out, in]", i, w.Shape)
		}
		if i == 0 {
			sizes = append(sizes, w.Shape[1])
		} else if w.Shape[1] != sizes[len(sizes)-1] {
			return Config{}, fmt.Errorf("tensor layers.%d.weight takes %d inputs, layer %d gives %d", i, w.Shape[1], i-1, sizes[len(sizes)-1])
		}
		sizes = append(sizes, w.Shape[0])
	}
	if len(sizes) < 2 {
		names := strings.Join(f.Names(), ", ")
		return Config{}, fmt.Errorf("no config.json and no tensors named layers.0.weight (found: %s)", names)
	}
	tc := train.Defaults(len(sizes) - 1)
	tc.Epochs = 1
	return Config{Format: Format, Blocks: []Block{{Sizes: sizes, Activation: string(nn.Tanh), Train: tc}},
		Classes: []int{sizes[len(sizes)-1]}}, nil
}

// Flat returns the config of a flat model with the given sizes.
func Flat(sizes []int, act nn.Activation, tc train.Config) Config {
	return Config{Format: Format, Blocks: []Block{{Sizes: slices.Clone(sizes), Activation: string(act), Train: tc}},
		Classes: []int{sizes[len(sizes)-1]}}
}
