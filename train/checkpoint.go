package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/safetensors"
)

// CheckpointFormat is the value of checkpoint.json's "format" field.
const CheckpointFormat = "isonet-checkpoint/1"

// Checkpoint is the resumable state of a training run, stored in a folder
// as checkpoint.json and state.safetensors (weights and optimizer moments).
type Checkpoint struct {
	Format  string  `json:"format"`
	Spec    Spec    `json:"spec"`
	Epoch   int     `json:"epoch"`
	Pos     int     `json:"step_in_epoch"`
	Perm    []int   `json:"perm,omitempty"`
	SumCE   float64 `json:"sum_ce"`
	SumIso  float64 `json:"sum_iso"`
	Elapsed float64 `json:"elapsed"`
	RNG     []byte  `json:"rng"`
	AdamT   int     `json:"adam_t"`
	Result  *Result `json:"result"`
	// StateSHA256 is the hex sha256 of state.safetensors, checked by
	// Resume, so that a changed or damaged state file is not trained on
	// (absent in checkpoints written before it was recorded).
	StateSHA256 string `json:"state_sha256,omitempty"`
}

// CheckpointDir returns the checkpoint folder of the model folder out.
func CheckpointDir(out string) string { return filepath.Clean(out) + ".checkpoint" }

// SaveCheckpoint writes t's state — weights, optimizer moments, position,
// shuffling generator and the result so far — into the folder dir
// atomically, as checkpoint.json and state.safetensors.
func (t *Trainer) SaveCheckpoint(dir string) error {
	rng, err := t.rng.MarshalBinary()
	if err != nil {
		return err
	}
	c := Checkpoint{Format: CheckpointFormat, Spec: t.spec, Epoch: t.epoch, Pos: t.pos, SumCE: t.sumCE, SumIso: t.sumIso,
		Elapsed: t.elapsed, RNG: rng, Result: t.res}
	if t.pos > 0 {
		c.Perm = t.perm
	}
	if err := replaceable(dir); err != nil {
		return err
	}
	tensors := append(netTensors(t.net), t.methodTensors()...)
	switch o := t.opt.(type) {
	case *nn.Adam:
		c.AdamT = o.T
		tensors = append(tensors, moments(t.net, "adam.m.", o.M)...)
		tensors = append(tensors, moments(t.net, "adam.v.", o.V)...)
	case *nn.SGD:
		tensors = append(tensors, moments(t.net, "sgd.buf.", o.Buf)...)
	}
	return atomicfile.WriteDir(dir, true, func(tmp string) error {
		// Hashed as it is written, not read back.
		h := sha256.New()
		if err := atomicfile.Write(filepath.Join(tmp, "state.safetensors"), func(w io.Writer) error {
			return safetensors.Write(io.MultiWriter(w, h), tensors, nil)
		}); err != nil {
			return err
		}
		c.StateSHA256 = hex.EncodeToString(h.Sum(nil))
		if err := atomicfile.WriteJSON(filepath.Join(tmp, "checkpoint.json"), c); err != nil {
			return err
		}
		return outdir.Mark(tmp, "checkpoint")
	})
}

// netTensors lists net's parameters (sharing their memory) under their
// names, layers.{i}.weight and layers.{i}.bias: the layout of a flat model's
// weights file.
func netTensors(net *nn.MLP) []*safetensors.Tensor {
	var ts []*safetensors.Tensor
	for _, p := range net.Params() {
		ts = append(ts, &safetensors.Tensor{Name: p.Name, DType: "F32", Shape: p.Shape, Data: p.Data})
	}
	return ts
}

func moments(net *nn.MLP, prefix string, v [][]float32) []*safetensors.Tensor {
	if v == nil {
		return nil
	}
	var out []*safetensors.Tensor
	for i, p := range netTensors(net) {
		out = append(out, &safetensors.Tensor{Name: prefix + p.Name, DType: "F32", Shape: p.Shape, Data: v[i]})
	}
	return out
}

// Resume restores a trainer — its network, spec, state and result so far —
// from a checkpoint folder written by SaveCheckpoint; its Fit continues the
// run to the weights an uninterrupted run reaches.
func Resume(dir string) (*Trainer, error) {
	fail := func(err error) (*Trainer, error) {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
	if err != nil {
		return fail(err)
	}
	var c Checkpoint
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fail(fmt.Errorf("bad checkpoint.json: %w", err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(errors.New("bad checkpoint.json: data after the JSON object"))
	}
	if c.Format != CheckpointFormat {
		return fail(fmt.Errorf("format %q, want %q", c.Format, CheckpointFormat))
	}
	if err := c.Spec.Validate(); err != nil {
		return fail(err)
	}
	if err := c.checkPosition(); err != nil {
		return fail(err)
	}
	if c.StateSHA256 != "" {
		sum, err := atomicfile.SHA256(filepath.Join(dir, "state.safetensors"))
		if err != nil {
			return fail(err)
		}
		if sum != c.StateSHA256 {
			return fail(fmt.Errorf("state.safetensors has sha256 %s, but checkpoint.json recorded %s: the file changed after it was saved", sum, c.StateSHA256))
		}
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, "state.safetensors"))
	if err != nil {
		return fail(err)
	}
	// The model's shape follows from the first and last layers' tensors.
	first, err := f.Get("layers.0.weight")
	if err != nil || len(first.Shape) != 2 {
		return fail(errors.New("state.safetensors lacks layers.0.weight [out, in]"))
	}
	last, err := f.Get(fmt.Sprintf("layers.%d.weight", c.Spec.Depth))
	if err != nil || len(last.Shape) != 2 {
		return fail(fmt.Errorf("state.safetensors lacks layers.%d.weight", c.Spec.Depth))
	}
	// Every layer's tensors must be in the file with the spec's shapes
	// before the model is allocated: the file's size bounds the memory.
	sizes := c.Spec.Sizes(first.Shape[1], last.Shape[0])
	for i := 0; i+1 < len(sizes); i++ {
		if _, err := f.Get(fmt.Sprintf("layers.%d.weight", i), sizes[i+1], sizes[i]); err != nil {
			return fail(err)
		}
		if _, err := f.Get(fmt.Sprintf("layers.%d.bias", i), sizes[i+1]); err != nil {
			return fail(err)
		}
	}
	net, err := nn.NewMLP(sizes, c.Spec.Act, c.Spec.Init, nil)
	if err != nil {
		return fail(err)
	}
	load := func(name string, dst []float32, shape []int) error {
		t, err := f.Get(name, shape...)
		if err != nil {
			return err
		}
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("state.safetensors: tensor %q holds NaN or Inf", name)
			}
		}
		copy(dst, t.Data)
		return nil
	}
	ps := netTensors(net)
	for _, p := range ps {
		if err := load(p.Name, p.Data, p.Shape); err != nil {
			return fail(err)
		}
	}
	t, err := New(net, c.Spec)
	if err != nil {
		return fail(err)
	}
	if err := t.restoreMethod(f, load); err != nil {
		return fail(err)
	}
	if err := t.rng.UnmarshalBinary(c.RNG); err != nil {
		return fail(fmt.Errorf("rng: %w", err))
	}
	t.epoch, t.pos, t.perm, t.sumCE, t.sumIso, t.elapsed = c.Epoch, c.Pos, c.Perm, c.SumCE, c.SumIso, c.Elapsed
	restore := func(prefix string) ([][]float32, error) {
		if _, ok := f.Tensors[prefix+ps[0].Name]; !ok {
			return nil, nil
		}
		out := make([][]float32, len(ps))
		for i, p := range ps {
			out[i] = make([]float32, len(p.Data))
			if err := load(prefix+p.Name, out[i], p.Shape); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	switch o := t.opt.(type) {
	case *nn.Adam:
		o.T = c.AdamT
		if o.M, err = restore("adam.m."); err == nil {
			o.V, err = restore("adam.v.")
		}
	case *nn.SGD:
		o.Buf, err = restore("sgd.buf.")
	}
	if err != nil {
		return fail(err)
	}
	if c.Result == nil {
		c.Result = &Result{Spec: c.Spec}
	}
	t.res = c.Result
	return t, nil
}

// checkPosition checks that the epoch and step lie within the run and that
// an unfinished epoch's example order is a permutation, so that resuming
// cannot index outside the data.
func (c *Checkpoint) checkPosition() error {
	if c.Epoch < 0 || c.Epoch > c.Spec.Train.Epochs {
		return fmt.Errorf("epoch %d outside the run's 0..%d", c.Epoch, c.Spec.Train.Epochs)
	}
	if c.AdamT < 0 {
		return fmt.Errorf("adam_t %d is negative", c.AdamT)
	}
	if c.Pos == 0 {
		c.Perm = nil
		return nil
	}
	n := len(c.Perm)
	if c.Pos < 0 {
		return fmt.Errorf("step %d is negative", c.Pos)
	}
	if n == 0 {
		return fmt.Errorf("step %d of an unfinished epoch without its example order (perm)", c.Pos)
	}
	bs := min(c.Spec.Train.Batch, n)
	if steps := (n + bs - 1) / bs; c.Pos >= steps {
		return fmt.Errorf("step %d outside the epoch's 0..%d", c.Pos, steps-1)
	}
	seen := make([]bool, n)
	for i, p := range c.Perm {
		if p < 0 || p >= n || seen[p] {
			return fmt.Errorf("perm[%d] = %d: the epoch's order is not a permutation of 0..%d", i, p, n-1)
		}
		seen[p] = true
	}
	return nil
}

// replaceable refuses a checkpoint folder path SaveCheckpoint may not
// replace: anything but nothing, an empty folder or a checkpoint isonet
// wrote alone (a user's folder or file there, a symbolic link, another
// kind of isonet folder is kept).
func replaceable(dir string) error {
	if li, err := os.Lstat(dir); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("train: checkpoint %s is a symbolic link; isonet writes a checkpoint only into a folder of its own", dir)
	}
	info, err := outdir.Classify(dir)
	if err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", dir, err)
	}
	switch {
	case info.Kind == outdir.Missing || info.Kind == outdir.Empty:
		return nil
	case info.Kind == outdir.Owned && info.What == "checkpoint":
		return nil
	case info.Kind == outdir.Owned:
		return fmt.Errorf("train: checkpoint %s is an isonet %s folder, not a checkpoint; it is kept", dir, info.What)
	case info.Kind == outdir.File:
		return fmt.Errorf("train: checkpoint %s is a file, not a folder; it is kept", dir)
	}
	return fmt.Errorf("train: checkpoint %s holds %s, which isonet did not write; it is kept", dir, strings.Join(info.Foreign, ", "))
}
