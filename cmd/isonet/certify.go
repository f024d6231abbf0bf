package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/safetensors"
	"gonum.org/v1/gonum/stat"
)

func init() {
	register(&command{name: "certify", summary: "certified accuracy: IBP, CROWN, α-CROWN or Lipschitz lower bounds on robust accuracy", run: runCertify})
	flagOf["AlphaSteps"] = "--alpha-steps"
	flagOf["AlphaLR"] = "--alpha-lr"
	flagOf["NoBox"] = "--no-box"
}

// certifyFlags are certify's flags.
type certifyFlags struct {
	fs    *flag.FlagSet
	model *modelFlags

	method, norm, eps, perExample, arch, act string
	batch, workers, alphaSteps               int
	alphaLR                                  float64
	radius, asJSON, noBox                    bool
}

func newCertifyFlags(fs *flag.FlagSet) *certifyFlags {
	f := &certifyFlags{fs: fs, model: newModelFlags(fs, "certified", true, false)}
	fs.StringVar(&f.method, "method", "crown", "ibp, crown, alpha-crown or lipschitz (L2 only)")
	fs.StringVar(&f.norm, "norm", "inf", "threat model: inf (L∞) or 2 (L2); the ball is intersected with [0, 1]")
	fs.StringVar(&f.eps, "eps", "0.01", "radius ε of the ball, or a comma-separated list of radii")
	fs.StringVar(&f.perExample, "per-example", "", "write every example's worst-margin lower bound (and radius) to this file: CSV, or JSON when it ends in .json")
	fs.BoolVar(&f.radius, "certified-radius", false, "also binary-search each example's largest certified ε (16 steps in [0, 1] for L∞, [0, √n] for L2)")
	fs.StringVar(&f.arch, "arch", "", "with --model FILE.safetensors: the layer sizes of a PyTorch nn.Sequential MLP, e.g. 784-100-100-10 (tensors N.weight [out, in] and N.bias [out], N ascending)")
	fs.StringVar(&f.act, "act", "relu", "with --arch: the activation between its Linear layers, tanh or relu")
	fs.IntVar(&f.batch, "batch", certify.DefaultBatchSize, "examples bounded together")
	fs.IntVar(&f.workers, "workers", 0, "goroutines (0 = all cores)")
	fs.IntVar(&f.alphaSteps, "alpha-steps", certify.DefaultAlphaSteps, "alpha-crown: projected Adam steps for each hidden layer's bounds and for the margins'")
	fs.Float64Var(&f.alphaLR, "alpha-lr", certify.DefaultAlphaLR, "alpha-crown: Adam step size on tangent points scaled to [0, 1]")
	fs.BoolVar(&f.noBox, "no-box", false, "the ball alone, not intersected with [0, 1] (inputs that are not pixels)")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	return f
}

func runCertify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("certify", "--model DIR [--method ibp|crown|alpha-crown|lipschitz] [--norm inf|2] --eps E[,E…] [--test-subset N] [--json] [--per-example FILE] [--certified-radius]\n       isonet certify --model NET.safetensors --arch 784-100-10 --act relu --dataset mnist ...", stderr)
	f := newCertifyFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfgs, sizes, err := f.check()
	if err != nil {
		return err
	}
	mf := f.model
	var (
		m *model.Model
		d *dataPair
	)
	if sizes != nil {
		m, d, err = f.loadTorch(sizes)
	} else {
		m, d, _, err = mf.loadContext(ctx)
	}
	if err != nil {
		return err
	}
	net, err := m.CertifyNetwork()
	if err != nil {
		return err
	}
	mf.printNotes(ctx, stderr)
	x, y := d.test.X, d.test.Y()
	out := certifyJSON{Data: mf.report}
	var perExample []certify.Result
	for _, cfg := range cfgs {
		res, err := certify.Accuracy(ctx, net, x, y, cfg)
		if err != nil {
			return err
		}
		perExample = append(perExample, res)
		res.PerExample = nil
		out.Results = append(out.Results, res)
	}
	var radius []float64
	if f.radius {
		cfg := cfgs[0]
		cfg.Eps = 0
		radius = make([]float64, x.Rows)
		if err := certify.CertifiedRadius(ctx, radius, net, x, y, cfg); err != nil {
			return err
		}
		s := slices.Sorted(slices.Values(radius))
		out.Radius = &radiusSummary{Mean: stat.Mean(s, nil), Median: stat.Quantile(0.5, stat.Empirical, s, nil)}
	}
	if f.perExample != "" {
		if err := f.writePerExample(perExample, y, radius); err != nil {
			return err
		}
	}
	if f.asJSON {
		return writeJSON(stdout, out)
	}
	for _, r := range out.Results {
		normName := "L∞"
		if r.Norm == certify.Norm2 {
			normName = "L2"
		}
		fmt.Fprintf(stdout, "%s, %s ε = %g: certified accuracy %.4f (%d/%d), clean %.4f; worst-margin bound mean %.4g, quantiles", r.Label, normName, r.Eps, r.Accuracy, r.Certified, r.Total, r.Clean, r.MeanBound)
		for i, q := range r.Quantiles {
			fmt.Fprintf(stdout, " %g%%: %.4g", certify.QuantileLevels[i]*100, q)
		}
		fmt.Fprintf(stdout, "; %.2f s\n", r.Seconds)
	}
	if out.Radius != nil {
		fmt.Fprintf(stdout, "certified radius (%s): mean %.4g, median %.4g\n", cfgs[0].Method, out.Radius.Mean, out.Radius.Median)
	}
	return nil
}

// certifyJSON is certify's JSON output.
type certifyJSON struct {
	Results []certify.Result `json:"results"`
	Radius  *radiusSummary   `json:"certified_radius,omitempty"`
	Data    *dataReport      `json:"data"`
}

type radiusSummary struct {
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
}

// check validates the flags that need no model and returns one Config per
// ε and, with --arch, the layer sizes.
func (f *certifyFlags) check() ([]certify.Config, []int, error) {
	if err := f.model.required(); err != nil {
		return nil, nil, err
	}
	if f.batch < 1 {
		return nil, nil, fmt.Errorf("--batch must be ≥ 1, got %d", f.batch)
	}
	var cfgs []certify.Config
	for _, s := range strings.Split(f.eps, ",") {
		e, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, nil, fmt.Errorf("--eps: %q is not a number", s)
		}
		cfg := certify.Config{Method: f.method, Norm: f.norm, Eps: e, BatchSize: f.batch, Workers: f.workers, AlphaSteps: f.alphaSteps, AlphaLR: f.alphaLR, NoBox: f.noBox}
		if err := cfg.Validate(); err != nil {
			return nil, nil, err
		}
		cfgs = append(cfgs, cfg)
	}
	if f.alphaSteps == 0 {
		return nil, nil, fmt.Errorf("--alpha-steps must be ≥ 1, got 0")
	}
	var sizes []int
	if f.arch != "" {
		for _, s := range strings.Split(f.arch, "-") {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return nil, nil, fmt.Errorf("--arch: %q is not a list of layer sizes ≥ 1 like 784-100-10", f.arch)
			}
			sizes = append(sizes, n)
		}
		if len(sizes) < 2 {
			return nil, nil, fmt.Errorf("--arch: %q is not a list of layer sizes ≥ 1 like 784-100-10", f.arch)
		}
		if f.act != string(nn.Tanh) && f.act != string(nn.ReLU) {
			return nil, nil, fmt.Errorf("--act must be tanh or relu, got %q", f.act)
		}
	} else if isSet(f.fs, "act") {
		return nil, nil, fmt.Errorf("--act is for --arch (a model folder records its activation)")
	}
	if f.perExample != "" {
		inputs := modelInputs(f.model, nil)
		if err := outdir.CheckFiles("--per-example", f.perExample, []string{f.perExample}, inputs...); err != nil {
			return nil, nil, err
		}
	}
	return cfgs, sizes, nil
}

// loadTorch reads --model as a PyTorch-style safetensors file of an
// nn.Sequential MLP — tensors N.weight [out, in] and N.bias [out], the N
// ascending (the activations between them hold no tensors, so N skips) —
// with the layer sizes of --arch and the activation --act, and opens the
// test split of --dataset.
func (f *certifyFlags) loadTorch(sizes []int) (*model.Model, *dataPair, error) {
	mf := f.model
	if !isSet(f.fs, "dataset") {
		return nil, nil, fmt.Errorf("--dataset is required with --arch (a safetensors file does not name its data)")
	}
	file, err := safetensors.ReadFile(mf.dir)
	if err != nil {
		return nil, nil, err
	}
	var idx []int
	for _, name := range file.Names() {
		n, ok := strings.CutSuffix(name, ".weight")
		if !ok {
			if _, isBias := strings.CutSuffix(name, ".bias"); isBias {
				continue
			}
			return nil, nil, fmt.Errorf("%s: tensor %q is not N.weight or N.bias", mf.dir, name)
		}
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 {
			return nil, nil, fmt.Errorf("%s: tensor %q is not N.weight or N.bias", mf.dir, name)
		}
		idx = append(idx, i)
	}
	sort.Ints(idx)
	if len(idx) != len(sizes)-1 {
		return nil, nil, fmt.Errorf("%s holds %d weight tensors but --arch %s has %d layers", mf.dir, len(idx), f.arch, len(sizes)-1)
	}
	net, err := nn.NewMLP(sizes, nn.Activation(f.act), nn.InitPyTorch, nil)
	if err != nil {
		return nil, nil, err
	}
	for l, i := range idx {
		w, err := file.Get(strconv.Itoa(i)+".weight", sizes[l+1], sizes[l])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w (from --arch %s)", mf.dir, err, f.arch)
		}
		b, err := file.Get(strconv.Itoa(i)+".bias", sizes[l+1])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w (from --arch %s)", mf.dir, err, f.arch)
		}
		copy(net.Layers[l].W.Data, w.Data)
		copy(net.Layers[l].B.Data, b.Data)
	}
	m := &model.Model{Config: model.Config{Blocks: []model.Block{{Sizes: sizes, Activation: f.act}}}, Blocks: []*nn.MLP{net}}
	if mf.seed == 0 {
		mf.seed = 1
	}
	l, rep, err := resolveData(m, mf.dir, dataChoice{
		dataset: mf.dataset, dataDir: mf.dataDir, seed: mf.seed, testFrac: mf.testFrac, subset: mf.subset,
		setDataset: true, setDataDir: isSet(f.fs, "data-dir"), setSeed: isSet(f.fs, "seed"), setTestFrac: isSet(f.fs, "test-frac"), testOnly: true,
	})
	if err != nil {
		return nil, nil, err
	}
	if te := l.Test; sizes[0] != te.Dim() || sizes[len(sizes)-1] != te.NumClasses() {
		return nil, nil, fmt.Errorf("--arch %s takes %d inputs and gives %d outputs but data set %s has %d features and %d classes", f.arch, sizes[0], sizes[len(sizes)-1], te.Name, te.Dim(), te.NumClasses())
	}
	mf.report = rep
	return m, &dataPair{train: l.Train, test: l.Test}, nil
}

// writePerExample writes every example's worst-margin bound per ε (and
// its certified radius) to --per-example, CSV or JSON by its extension.
func (f *certifyFlags) writePerExample(results []certify.Result, y []int, radius []float64) error {
	path := f.perExample
	if err := outdir.Record(filepath.Dir(path), "files", path); err != nil {
		return err
	}
	if strings.HasSuffix(path, ".json") {
		type row struct {
			Eps    float64   `json:"eps"`
			Bounds []float64 `json:"worst_margin_bound"`
		}
		v := struct {
			Method string    `json:"method"`
			Norm   string    `json:"norm"`
			Labels []int     `json:"labels"`
			ByEps  []row     `json:"by_eps"`
			Radius []float64 `json:"certified_radius,omitempty"`
		}{Method: results[0].Method, Norm: results[0].Norm, Labels: y, Radius: radius}
		for _, r := range results {
			v.ByEps = append(v.ByEps, row{r.Eps, r.PerExample})
		}
		return atomicfile.Write(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		})
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		head := []string{"index", "label", "method", "norm", "eps", "worst_margin_bound", "certified"}
		if radius != nil {
			head = append(head, "certified_radius")
		}
		cw.Write(head)
		for _, r := range results {
			for i, b := range r.PerExample {
				rec := []string{strconv.Itoa(i), strconv.Itoa(y[i]), r.Method, r.Norm, fmtFloat(r.Eps), fmtFloat(b), strconv.FormatBool(b > 0)}
				if radius != nil {
					rec = append(rec, fmtFloat(radius[i]))
				}
				cw.Write(rec)
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func fmtFloat(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
