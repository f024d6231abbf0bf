package reproduce

import (
	"context"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/embed"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/stacked"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
	"github.com/isonet/isonet/verdict"
)

// TorusOptions sets the scale of the torus experiment with stacked LILs
// (paper §3.4, Fig. 4).
type TorusOptions struct {
	Beta   float64 `json:"beta"`
	Epochs int     `json:"epochs"` // full-batch epochs per block
	// UMAP of every block's representation (paper: n_neighbors 40,
	// min_dist 0.25).
	Neighbors int     `json:"umap_neighbors"`
	MinDist   float64 `json:"umap_min_dist"`
	// UMAPEpochs is the number of UMAP's SGD epochs (0: UMAP's default).
	UMAPEpochs int `json:"umap_epochs,omitempty"`
}

// DefaultTorus returns the paper's setting: β = 100, one batch of all 1600
// points, 10000 epochs per block; quick trains 1500 epochs per block.
func DefaultTorus(quick bool) TorusOptions {
	o := TorusOptions{Beta: 100, Epochs: 10000, Neighbors: 40, MinDist: 0.25}
	if quick {
		o.Epochs = 1500
	}
	return o
}

// Validate checks the options.
func (o TorusOptions) Validate() error {
	if !(o.Beta >= 0) || o.Beta > 1e300 {
		return fmt.Errorf("torus: β must be a finite number ≥ 0, got %g", o.Beta)
	}
	if o.Epochs < 1 || o.Neighbors < 2 || !(o.MinDist > 0 && o.MinDist <= 1) || o.UMAPEpochs < 0 {
		return fmt.Errorf("torus: need epochs ≥ 1, UMAP neighbours ≥ 2, 0 < min-dist ≤ 1, UMAP epochs ≥ 0; got %+v", o)
	}
	return nil
}

// TorusSpec returns the stacked spec of one torus run: the paper's
// settings (width 20, depth 4, tanh, full batch) with β, the epochs per
// block and the seed (of the weights and of the data's noise) set. The
// stack has a classifier per level; since a shared head changes only how
// levels are predicted, not training, the experiment reports both.
func TorusSpec(o TorusOptions, seed uint64) stacked.Spec {
	s := stacked.Spec{Spec: toySpec("torus")}
	s.Seed, s.Data.Seed = seed, seed
	s.Train.Beta, s.Train.Epochs = o.Beta, o.Epochs
	return s
}

// TorusBlock is what one block (one label level) of a trained stack
// measured. Accuracies are at the block's level, predicted by the block's
// own classifier, and with a shared head (the last block's classifier,
// its class mapped up the label tree) as the authors did; isometry
// numbers are over the test set's same-class pairs of that level, the
// block's input against its representation (at most
// iso.MaxPerClass points per class); all rounded to 4 decimals.
type TorusBlock struct {
	Block         int     `json:"block"`
	Level         int     `json:"level"`
	Classes       int     `json:"classes"`
	TestAccuracy  float64 `json:"test_accuracy"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// SharedHeadTestAccuracy is the test accuracy with a shared head.
	SharedHeadTestAccuracy float64 `json:"shared_head_test_accuracy"`
	Pearson                float64 `json:"pearson_r"`
	WorstPearson           float64 `json:"worst_class_pearson_r"`
	MeanAbsDiff            float64 `json:"mean_abs_diff"`
	Stress                 float64 `json:"stress"`
	// PearsonVsData compares with the distances of the torus points
	// themselves instead of the block's input.
	PearsonVsData float64 `json:"pearson_r_vs_data"`
	TrainSeconds  float64 `json:"train_seconds"`
	// UMAP of the block's representation of the test points, coloured by
	// the block's level: how it started and how faithful it is.
	UMAPInit            string  `json:"umap_init"`
	UMAPTrustworthiness float64 `json:"umap_trustworthiness"`
	UMAPKNNAccuracy     float64 `json:"umap_knn_accuracy"`
	// Figure is the UMAP picture's base name (add .png or .svg) relative
	// to the output folder.
	Figure string `json:"umap_figure"`
}

// TorusRun is one trained stack (one seed).
type TorusRun struct {
	Seed         uint64       `json:"seed"`
	ModelDir     string       `json:"model_dir"`
	TrainSeconds float64      `json:"train_seconds"`
	Blocks       []TorusBlock `json:"blocks"`
}

// TorusResults is everything the torus experiment measured.
type TorusResults struct {
	Options TorusOptions `json:"options"`
	// The data and network the text describes.
	Points int     `json:"points"`
	Grid   int     `json:"grid"`
	Noise  float64 `json:"noise"`
	Width  int     `json:"width"`
	Depth  int     `json:"depth"`
	Levels []int   `json:"classes_per_level"`
	// Input is the 3-D picture of the training torus coloured by the
	// finest level (base name relative to the output folder).
	Input string     `json:"input_figure"`
	Runs  []TorusRun `json:"runs"`
}

// TorusTrained is a stack trained by a phase.
type TorusTrained struct {
	Dir    string          `json:"model_dir"`
	Result *stacked.Result `json:"result"`
}

// Torus trains a stack of LILs per seed on the torus with its 3 levels and
// writes, into e.Dir/torus, the 3-D picture of the input and, per seed and
// block, a UMAP of the block's representation coloured by the block's
// labels (the paper's Fig. 4B). Every step is a resumable phase.
func Torus(ctx context.Context, e *Env, o TorusOptions) (*TorusResults, error) {
	r, err := runOne(ctx, e, func() (experiment, error) { return torusExperiment(e, o) })
	if err != nil {
		return nil, err
	}
	return r.Torus, nil
}

// torusExperiment declares the torus experiment: the input picture, then
// per seed the stack's training and measurement.
func torusExperiment(e *Env, o TorusOptions) (experiment, error) {
	if err := o.Validate(); err != nil {
		return experiment{}, err
	}
	seeds := e.SeedList()
	spec0 := TorusSpec(o, seeds[0])
	ps := []phase.Phase{torusInputPhase(e, spec0)}
	for _, seed := range seeds {
		name := fmt.Sprintf("torus/seed=%d", seed)
		spec := TorusSpec(o, seed)
		ps = append(ps, torusTrainPhase(e, name+"/train", spec), torusGeometryPhase(e, name+"/geometry", spec, o))
	}
	gather := func(done results, r *Results) error {
		tr0, _, err := e.Data(spec0.Data)
		if err != nil {
			return err
		}
		res := &TorusResults{Options: o, Points: tr0.Len(), Grid: int(math.Round(math.Sqrt(float64(tr0.Len())))),
			Noise: data.TorusNoise, Width: spec0.Width, Depth: spec0.Depth, Levels: tr0.Classes, Input: get[string](done, "torus/input")}
		for _, seed := range seeds {
			res.Runs = append(res.Runs, get[TorusRun](done, fmt.Sprintf("torus/seed=%d/geometry", seed)))
		}
		r.Torus = res
		return nil
	}
	return experiment{name: "torus", dirs: []string{"torus"}, phases: ps, gather: gather}, nil
}

// torusInputPhase declares the 3-D picture of the training torus.
func torusInputPhase(e *Env, spec stacked.Spec) phase.Phase {
	rel := filepath.Join("torus", "input")
	return phase.Of("torus/input", spec.Data, nil, oneFigure, func(ctx context.Context, in *phase.Inputs) (string, error) {
		tr, _, err := e.Data(spec.Data)
		if err != nil {
			return "", err
		}
		pts := make([][3]float64, tr.Len())
		for i := range pts {
			r := tr.X.Row(i)
			pts[i] = [3]float64{float64(r[0]), float64(r[1]), float64(r[2])}
		}
		last := tr.Levels() - 1
		err = report.Scatter3D(in.Path(rel), fmt.Sprintf("Torus input (%d points), level %d: %d θ-bands", tr.Len(), last, tr.Classes[last]),
			pts, tr.Y(), torusNames(tr, last), -60, 35, report.WithLegendTitle(fmt.Sprintf("level %d", last)))
		return rel, err
	})
}

// torusNames names the classes of one level.
func torusNames(s *data.Set, level int) []string {
	names := make([]string, s.Classes[level])
	for c := range names {
		names[c] = "class " + s.ClassName(level, c)
	}
	return names
}

// torusTrainPhase declares the training of a stack of LILs; its result
// names the model folder relative to the run folder.
func torusTrainPhase(e *Env, name string, spec stacked.Spec) phase.Phase {
	rel := modelRel(name)
	files := func(t TorusTrained) []string {
		return []string{filepath.Join(t.Dir, model.WeightsFile), filepath.Join(t.Dir, model.ConfigFile)}
	}
	return e.withData(spec.Data, phase.Of(name, spec, nil, files, func(ctx context.Context, in *phase.Inputs) (TorusTrained, error) {
		tr, te, err := e.Data(spec.Data)
		if err != nil {
			return TorusTrained{}, err
		}
		m, res, err := stacked.Fit(ctx, spec, tr, te, func(k int) train.Hooks {
			e.Logf("%s: block %d of %d", name, k+1, tr.Levels())
			return train.Hooks{}
		})
		if err != nil {
			return TorusTrained{}, err
		}
		if m.Config.Data, err = e.provenance(spec.Data); err != nil {
			return TorusTrained{}, err
		}
		if err := model.SaveForce(in.Path(rel), m, res, true); err != nil {
			return TorusTrained{}, err
		}
		return TorusTrained{Dir: rel, Result: res}, nil
	}))
}

// torusGeometryPhase declares the measurement of a trained stack (trained
// by prefix/train, name being prefix/geometry): every block's accuracy,
// isometry and a UMAP of its representation.
func torusGeometryPhase(e *Env, name string, spec stacked.Spec, o TorusOptions) phase.Phase {
	settings := struct {
		Spec       stacked.Spec
		Neighbors  int
		MinDist    float64
		UMAPEpochs int `json:",omitempty"`
	}{spec, o.Neighbors, o.MinDist, o.UMAPEpochs}
	trainName := path.Dir(name) + "/train"
	files := func(r TorusRun) []string {
		var bases []string
		for _, b := range r.Blocks {
			bases = append(bases, b.Figure)
		}
		return figureFiles(bases...)
	}
	return phase.Of(name, settings, []string{trainName}, files, func(ctx context.Context, in *phase.Inputs) (TorusRun, error) {
		tr, err := phase.Input[TorusTrained](in, trainName)
		if err != nil {
			return TorusRun{}, err
		}
		var figs []string
		for k := range tr.Result.Classes {
			figs = append(figs, filepath.Join("torus", fmt.Sprintf("umap-block%d-seed-%d", k, spec.Seed)))
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return TorusRun{}, err
		}
		_, te, err := e.Data(spec.Data)
		if err != nil {
			return TorusRun{}, err
		}
		ev, err := stacked.Evaluate(m, te, tr.Result.Tree, spec.Seed)
		if err != nil {
			return TorusRun{}, err
		}
		run := TorusRun{Seed: spec.Seed, ModelDir: tr.Dir, TrainSeconds: r4(tr.Result.Seconds)}
		shared := *m
		shared.Config.SharedHead = true
		sharedAcc, err := stacked.Accuracies(&shared, te, tr.Result.Tree)
		if err != nil {
			return run, err
		}
		_, reps := stacked.Forward(m, te.X)
		// The blocks are measured and drawn at the same time (UMAP's
		// numbers do not depend on how many run).
		run.Blocks = make([]TorusBlock, len(ev.Blocks))
		errs := make([]error, len(ev.Blocks))
		var wg sync.WaitGroup
		for k, b := range ev.Blocks {
			wg.Go(func() {
				worst := 1.0
				for _, c := range b.PerClass {
					worst = min(worst, c.Pearson)
				}
				tb := TorusBlock{Block: k, Level: b.Level, Classes: ev.Levels[b.Level].Classes,
					TestAccuracy: r4(ev.Levels[b.Level].Accuracy), TrainAccuracy: r4(tr.Result.TrainAcc[b.Level]),
					SharedHeadTestAccuracy: r4(sharedAcc[b.Level]),
					Pearson:                r4(b.All.Pearson), WorstPearson: r4(worst), MeanAbsDiff: r4(b.All.MeanAbsDiff), Stress: r4(b.All.Stress),
					PearsonVsData: r4(b.VsData.Pearson), TrainSeconds: r4(tr.Result.Blocks[k].Seconds), Figure: figs[k]}
				y := te.Labels[b.Level]
				u, err := embed.UMAPContext(ctx, reps[k], embed.UMAPOptions{Neighbors: o.Neighbors, MinDist: o.MinDist, Epochs: o.UMAPEpochs, Seed: spec.Seed})
				if err != nil {
					errs[k] = fmt.Errorf("block %d: UMAP: %w", k, err)
					return
				}
				tb.UMAPInit = u.Init
				tb.UMAPTrustworthiness = r4(embed.Trustworthiness(reps[k], u.Y, 10))
				tb.UMAPKNNAccuracy = r4(embed.KNNAccuracy(u.Y, y, 10))
				title := fmt.Sprintf("Block %d, layer %d: UMAP, level %d (%d classes)", k, b.Layer, b.Level, tb.Classes)
				errs[k] = report.Scatter(in.Path(figs[k]), title, points2(u.Y), y, torusNames(te, b.Level),
					report.WithLegendTitle(fmt.Sprintf("level %d", b.Level)))
				run.Blocks[k] = tb
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return run, err // the first block's
			}
		}
		return run, nil
	})
}

// points2 returns the rows of an N×2 matrix as points.
func points2(y *tensor.Mat) [][2]float64 {
	pts := make([][2]float64, y.Rows)
	for i := range pts {
		r := y.Row(i)
		pts[i] = [2]float64{float64(r[0]), float64(r[1])}
	}
	return pts
}

// levelStat is the mean ± sd over seeds of one number of block k.
func (r *TorusResults) levelStat(k int, f func(TorusBlock) float64) Stat {
	var v []float64
	for _, run := range r.Runs {
		if k < len(run.Blocks) {
			v = append(v, f(run.Blocks[k]))
		}
	}
	return newStat(v)
}

// Markdown renders the torus summary: accuracy and isometry per level
// (mean ± sd over seeds), the input picture and the first seed's UMAPs.
func (r *TorusResults) Markdown() string {
	var b strings.Builder
	o := r.Options
	hidden := strings.TrimSuffix(strings.Repeat(strconv.Itoa(r.Width)+", ", r.Depth), ", ")
	var levels []string
	for _, c := range r.Levels {
		levels = append(levels, strconv.Itoa(c))
	}
	fmt.Fprintf(&b, "%d points of a torus (%d × %d grid, noise %s, rescaled to [0, 1]) with %d label levels of %s θ-bands. "+
		"One LIL block per level, coarsest first, each [D, %s, C] with tanh, trained on its level with β = %s, one batch of all points, %d epochs, "+
		"taking the previous block's last hidden layer as input with the gradient stopped between blocks. "+
		"Accuracy on a second torus sample (fresh noise), predicted by each block's own classifier and by a shared head (the last block's classifier, its class mapped up the label tree, as the authors did); "+
		"isometry over the test points' same-class pairs of each block's own level, the block's input against its representation, and the torus points against it.\n\n",
		r.Points, r.Grid, r.Grid, num(r.Noise), len(r.Levels), strings.Join(levels, ", "), hidden, num(o.Beta), o.Epochs)
	header := []string{"level (classes)", "test accuracy", "test accuracy, shared head", "train accuracy", "Pearson r (block input)", "worst class r", "Pearson r (torus points)", "UMAP trustworthiness", "training seconds"}
	var rows [][]string
	if len(r.Runs) > 0 {
		for k, blk := range r.Runs[0].Blocks {
			stat := func(f func(TorusBlock) float64) string { return r.levelStat(k, f).String() }
			rows = append(rows, []string{fmt.Sprintf("%d (%d)", blk.Level, blk.Classes),
				stat(func(x TorusBlock) float64 { return x.TestAccuracy }),
				stat(func(x TorusBlock) float64 { return x.SharedHeadTestAccuracy }),
				stat(func(x TorusBlock) float64 { return x.TrainAccuracy }),
				stat(func(x TorusBlock) float64 { return x.Pearson }),
				stat(func(x TorusBlock) float64 { return x.WorstPearson }),
				stat(func(x TorusBlock) float64 { return x.PearsonVsData }),
				stat(func(x TorusBlock) float64 { return x.UMAPTrustworthiness }),
				stat(func(x TorusBlock) float64 { return x.TrainSeconds }),
			})
		}
	}
	b.WriteString(report.MarkdownTable(header, rows))
	if c := r.Claim(); c.Outcome != verdict.NotRun {
		fmt.Fprintf(&b, "\nPaper: %s. Here, with each block's own classifier: %s — the claim: %s.\n", c.Paper, c.Measured, c.Holds)
	}
	if r.Input != "" {
		fmt.Fprintf(&b, "\n![the torus, coloured by the finest level](%s.png)\n", r.Input)
	}
	if len(r.Runs) > 0 {
		fmt.Fprintf(&b, "\nUMAP (n_neighbors %d, min_dist %s) of each block's representation of the test points, seed %d, coloured by the block's level:\n", o.Neighbors, num(o.MinDist), r.Runs[0].Seed)
		for _, blk := range r.Runs[0].Blocks {
			fmt.Fprintf(&b, "\n![block %d, UMAP coloured by level %d](%s.png)\n", blk.Block, blk.Level, blk.Figure)
		}
	}
	return b.String()
}
