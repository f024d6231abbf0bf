package reproduce

import (
	"context"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/embed"
	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/train"
)

// RingsOptions sets the scale of the entangled-rings experiment (paper
// §3.1, Fig. 2).
type RingsOptions struct {
	Betas  []float64 `json:"betas"`
	Epochs int       `json:"epochs"` // full-batch epochs
	// UMAP of the last hidden layer (paper: n_neighbors 40, min_dist 0.25).
	Neighbors int     `json:"umap_neighbors"`
	MinDist   float64 `json:"umap_min_dist"`
	// LipschitzK is the number of nearest input neighbours per point of the
	// local Lipschitz estimate.
	LipschitzK int `json:"lipschitz_neighbors"`
}

// DefaultRings returns the paper's setting (β = 0 and 1, 10000 full-batch
// epochs); quick trains 1000 epochs.
func DefaultRings(quick bool) RingsOptions {
	o := RingsOptions{Betas: []float64{0, 1}, Epochs: 10000, Neighbors: geometry.PaperNeighbors,
		MinDist: geometry.PaperMinDist, LipschitzK: geometry.DefaultNeighbors}
	if quick {
		o.Epochs = 1000
	}
	return o
}

// Validate checks the options.
func (o RingsOptions) Validate() error {
	if len(o.Betas) == 0 {
		return fmt.Errorf("rings: need at least one β")
	}
	for _, b := range o.Betas {
		if !(b >= 0) || math.IsInf(b, 0) {
			return fmt.Errorf("rings: β must be a finite number ≥ 0, got %g", b)
		}
	}
	if o.Epochs < 1 || o.Neighbors < 2 || !(o.MinDist > 0 && o.MinDist <= 1) || o.LipschitzK < 1 {
		return fmt.Errorf("rings: need epochs ≥ 1, UMAP neighbours ≥ 2, 0 < min-dist ≤ 1, Lipschitz neighbours ≥ 1; got %+v", o)
	}
	return nil
}

// RingIsometry is the agreement of input and representation distances over
// the pairs of points of one ring (or of the two rings, for between-ring
// pairs).
type RingIsometry struct {
	Ring        string  `json:"ring"`
	Pairs       int     `json:"pairs"`
	Pearson     float64 `json:"pearson_r"`
	MeanAbsDiff float64 `json:"mean_abs_diff"`
	Stress      float64 `json:"stress"`
}

// ringIsometry rounds a's numbers to 4 decimals, Pearson r to 6 (it is
// often within 10⁻⁴ of 1).
func ringIsometry(name string, a iso.Agreement) RingIsometry {
	return RingIsometry{Ring: name, Pairs: a.Pairs, Pearson: math.Round(a.Pearson*1e6) / 1e6, MeanAbsDiff: r4(a.MeanAbsDiff), Stress: r4(a.Stress)}
}

// LipschitzStats is geometry.Lipschitz rounded to 4 decimals.
type LipschitzStats struct {
	Neighbors int     `json:"neighbors"`
	Points    int     `json:"points"`
	P50       float64 `json:"p50"`
	P90       float64 `json:"p90"`
	P99       float64 `json:"p99"`
	Max       float64 `json:"max"`
	Mean      float64 `json:"mean"`
}

// RingsRun is one trained model (one β, one seed) measured on the test
// rings at its last hidden layer.
type RingsRun struct {
	Beta          float64 `json:"beta"`
	Seed          uint64  `json:"seed"`
	Layer         int     `json:"layer"`
	TestAccuracy  float64 `json:"test_accuracy"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TrainSeconds  float64 `json:"train_seconds"`
	ModelDir      string  `json:"model_dir"`
	// Rings holds the same-ring agreement per ring; All pools both rings'
	// pairs; Between is over pairs with one point on each ring.
	Rings     []RingIsometry `json:"per_ring"`
	All       RingIsometry   `json:"same_ring_all"`
	Between   RingIsometry   `json:"between_rings"`
	Lipschitz LipschitzStats `json:"lipschitz"`
	// UMAP of the last hidden layer: how it started and how faithful it is.
	UMAPInit            string  `json:"umap_init"`
	UMAPTrustworthiness float64 `json:"umap_trustworthiness"`
	UMAPKNNAccuracy     float64 `json:"umap_knn_accuracy"`
	// Figures maps "umap" and "hist" to base names (add .png or .svg)
	// relative to the output folder.
	Figures map[string]string `json:"figures"`
}

// RingsResults is everything the rings experiment measured.
type RingsResults struct {
	Options RingsOptions `json:"options"`
	// The data and network the text describes.
	PointsPerRing int     `json:"points_per_ring"`
	Sigma         float64 `json:"sigma"`
	Width         int     `json:"width"`
	Depth         int     `json:"depth"`
	// Input is the 3-D picture of the training rings (base name relative
	// to the output folder).
	Input string     `json:"input_figure"`
	Runs  []RingsRun `json:"runs"`
}

// RingsSpec returns the training spec of one rings model: the paper's
// settings (width 20, depth 4, tanh, full batch) with β, the epochs and the
// seed (of the weights and of the data) set.
func RingsSpec(o RingsOptions, beta float64, seed uint64) train.Spec {
	s := toySpec("rings")
	s.Seed, s.Data.Seed = seed, seed
	s.Train.Beta, s.Train.Epochs = beta, o.Epochs
	return s
}

// Rings trains a model per β and seed on the entangled rings and writes,
// into e.Dir/rings, the 3-D picture of the input, and per model a UMAP of
// the last hidden layer and the same-ring distance histograms (Fig. 2B).
// Every step is a resumable phase.
func Rings(ctx context.Context, e *Env, o RingsOptions) (*RingsResults, error) {
	r, err := runOne(ctx, e, func() (experiment, error) { return ringsExperiment(e, o) })
	if err != nil {
		return nil, err
	}
	return r.Rings, nil
}

// ringsExperiment declares the rings experiment: the input picture, then
// per β and seed the model's training and measurement.
func ringsExperiment(e *Env, o RingsOptions) (experiment, error) {
	if err := o.Validate(); err != nil {
		return experiment{}, err
	}
	seeds := e.SeedList()
	ps := []phase.Phase{ringsInputPhase(e, RingsSpec(o, 0, seeds[0]).Data)}
	eachRingsModel(e, o, func(name string, spec train.Spec, beta float64, seed uint64) {
		ps = append(ps, trainPhase(e, name+"/train", spec), ringsGeometryPhase(e, name+"/geometry", spec, o, beta, seed))
	})
	gather := func(done results, r *Results) error {
		spec0 := RingsSpec(o, 0, 0)
		res := &RingsResults{Options: o, PointsPerRing: data.RingsPoints, Sigma: data.RingsSigma, Width: spec0.Width, Depth: spec0.Depth,
			Input: get[string](done, "rings/input")}
		eachRingsModel(e, o, func(name string, _ train.Spec, _ float64, _ uint64) {
			res.Runs = append(res.Runs, get[RingsRun](done, name+"/geometry"))
		})
		r.Rings = res
		return nil
	}
	return experiment{name: "rings", dirs: []string{"rings"}, phases: ps, gather: gather}, nil
}

// eachRingsModel calls f for the rings model of every β and seed, in that
// order, with its phases' name prefix and its training spec.
func eachRingsModel(e *Env, o RingsOptions, f func(name string, spec train.Spec, beta float64, seed uint64)) {
	for _, beta := range o.Betas {
		for _, seed := range e.SeedList() {
			f(fmt.Sprintf("rings/beta=%g/seed=%d", beta, seed), RingsSpec(o, beta, seed), beta, seed)
		}
	}
}

// ringsInputPhase declares the 3-D picture of the training rings.
func ringsInputPhase(e *Env, d data.Spec) phase.Phase {
	rel := filepath.Join("rings", "input")
	return phase.Of("rings/input", d, nil, oneFigure, func(ctx context.Context, in *phase.Inputs) (string, error) {
		tr, _, err := e.Data(d)
		if err != nil {
			return "", err
		}
		pts := make([][3]float64, tr.Len())
		for i := range pts {
			r := tr.X.Row(i)
			pts[i] = [3]float64{float64(r[0]), float64(r[1]), float64(r[2])}
		}
		err = report.Scatter3D(in.Path(rel), fmt.Sprintf("Entangled rings: the input (%d training points)", tr.Len()),
			pts, tr.Y(), ringNames(tr), -60, 25, report.WithLegendTitle("ring"))
		return rel, err
	})
}

// oneFigure returns the files of the figure base.
func oneFigure(base string) []string { return figureFiles(base) }

// figureFiles returns the files of the figures bases (base names relative
// to the run folder): each one's PNG and SVG.
func figureFiles(bases ...string) []string {
	var out []string
	for _, b := range bases {
		out = append(out, b+".png", b+".svg")
	}
	return out
}

func ringNames(s *data.Set) []string {
	var names []string
	for c := range s.NumClasses() {
		names = append(names, "ring "+s.ClassName(s.Levels()-1, c))
	}
	return names
}

// ringsGeometryPhase declares the measurement of the rings model of β and
// seed (trained by the phase prefix/train, name being prefix/geometry): the
// isometry of its last hidden layer, local Lipschitz ratios, a UMAP and the
// distance histograms.
func ringsGeometryPhase(e *Env, name string, spec train.Spec, o RingsOptions, beta float64, seed uint64) phase.Phase {
	settings := struct {
		Spec      train.Spec
		Neighbors int
		MinDist   float64
		K         int
	}{spec, o.Neighbors, o.MinDist, o.LipschitzK}
	slug := fmt.Sprintf("beta-%g-seed-%d", beta, seed)
	figs := map[string]string{
		"umap": filepath.Join("rings", "umap-"+slug),
		"hist": filepath.Join("rings", "hist-"+slug),
	}
	trainName := path.Dir(name) + "/train"
	files := func(r RingsRun) []string { return figureFiles(r.Figures["umap"], r.Figures["hist"]) }
	return phase.Of(name, settings, []string{trainName}, files, func(ctx context.Context, in *phase.Inputs) (RingsRun, error) {
		tr, err := phase.Input[Trained](in, trainName)
		if err != nil {
			return RingsRun{}, err
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return RingsRun{}, err
		}
		_, te, err := e.Data(spec.Data)
		if err != nil {
			return RingsRun{}, err
		}
		layer := spec.Train.IsoLayer // the last hidden layer
		run := RingsRun{Beta: beta, Seed: seed, Layer: layer, TestAccuracy: r4(tr.Result.TestAcc),
			TrainAccuracy: r4(tr.Result.TrainAcc), TrainSeconds: r4(tr.Result.Seconds), ModelDir: tr.Dir, Figures: figs}
		g, err := geometry.AnalyzeLayer(m, te, layer, geometry.Options{Neighbors: o.LipschitzK, MaxPerClass: -1, MaxBetweenPairs: -1, MaxPoints: -1, Seed: seed})
		if err != nil {
			return run, err
		}
		names := ringNames(te)
		for _, c := range g.Within {
			run.Rings = append(run.Rings, ringIsometry(names[c.Class], c.Agreement))
		}
		run.All = ringIsometry("both", g.WithinAll)
		run.Between = ringIsometry("between", g.BetweenAll)
		l := g.Lipschitz
		run.Lipschitz = LipschitzStats{Neighbors: l.Neighbors, Points: l.Points, P50: r4(l.P50), P90: r4(l.P90), P99: r4(l.P99), Max: r4(l.Max), Mean: r4(l.Mean)}
		if err := ctx.Err(); err != nil {
			return run, err
		}

		emb, err := geometry.EmbedLayerContext(ctx, m, te, layer, geometry.EmbedOptions{Method: geometry.MethodUMAP, Neighbors: o.Neighbors, MinDist: o.MinDist, Seed: seed})
		if err != nil {
			return run, err
		}
		emb.ClassNames = names
		run.UMAPInit, run.UMAPTrustworthiness, run.UMAPKNNAccuracy = emb.UMAP.Init, r4(emb.Trustworthiness), r4(emb.KNNAccuracy)
		title := fmt.Sprintf("β = %g: UMAP of the last hidden layer", beta)
		if err := report.DrawEmbedding(in.Path(figs["umap"]), title, emb); err != nil {
			return run, err
		}
		title = fmt.Sprintf("β = %g: same-ring distances, input vs last hidden layer", beta)
		if err := report.DrawWithin(in.Path(figs["hist"]), title, g, names, "hidden layer"); err != nil {
			return run, err
		}
		return run, nil
	})
}

// worstRing returns the lowest per-ring Pearson r of a run.
func (r RingsRun) worstRing() float64 {
	w := 1.0
	for _, g := range r.Rings {
		w = min(w, g.Pearson)
	}
	return w
}

// byBeta returns the runs of each β, in the order of the options.
func (r *RingsResults) byBeta() [][]RingsRun {
	var out [][]RingsRun
	for _, b := range r.Options.Betas {
		var sel []RingsRun
		for _, run := range r.Runs {
			if run.Beta == b {
				sel = append(sel, run)
			}
		}
		out = append(out, sel)
	}
	return out
}

// Markdown renders the rings summary: the numbers side by side per β (mean
// ± sd over seeds) and the figures of the first seed.
func (r *RingsResults) Markdown() string {
	var b strings.Builder
	groups := r.byBeta()
	header := []string{"measured on the test rings, last hidden layer"}
	for _, beta := range r.Options.Betas {
		header = append(header, "β = "+num(beta))
	}
	type line struct {
		name string
		f    func(RingsRun) float64
	}
	stat := func(l line) []string {
		var row []string
		for _, runs := range groups {
			var v []float64
			for _, run := range runs {
				v = append(v, l.f(run))
			}
			if strings.HasPrefix(l.name, "Pearson") {
				row = append(row, pearsonStat(v))
			} else {
				row = append(row, newStat(v).String())
			}
		}
		return row
	}
	lines := []line{
		{"test accuracy", func(x RingsRun) float64 { return x.TestAccuracy }},
	}
	if len(r.Runs) > 0 {
		for i, g := range r.Runs[0].Rings {
			lines = append(lines,
				line{"Pearson r, " + g.Ring, func(x RingsRun) float64 { return x.Rings[i].Pearson }},
				line{"mean |ΔD|, " + g.Ring, func(x RingsRun) float64 { return x.Rings[i].MeanAbsDiff }},
				line{"stress, " + g.Ring, func(x RingsRun) float64 { return x.Rings[i].Stress }})
		}
	}
	lines = append(lines,
		line{"Pearson r, between rings", func(x RingsRun) float64 { return x.Between.Pearson }},
		line{"local Lipschitz, median", func(x RingsRun) float64 { return x.Lipschitz.P50 }},
		line{"local Lipschitz, 90%", func(x RingsRun) float64 { return x.Lipschitz.P90 }},
		line{"local Lipschitz, 99%", func(x RingsRun) float64 { return x.Lipschitz.P99 }},
		line{"local Lipschitz, max", func(x RingsRun) float64 { return x.Lipschitz.Max }},
		line{"UMAP trustworthiness (k = 10)", func(x RingsRun) float64 { return x.UMAPTrustworthiness }},
		line{"training seconds", func(x RingsRun) float64 { return x.TrainSeconds }},
	)
	var rows [][]string
	for _, l := range lines {
		rows = append(rows, append([]string{l.name}, stat(l)...))
	}
	fmt.Fprintf(&b, "Two linked rings of %d points each (σ = %s), a tanh network of width %d and depth %d, full batch, %d epochs. ",
		r.PointsPerRing, num(r.Sigma), r.Width, r.Depth, r.Options.Epochs)
	fmt.Fprintf(&b, "Distances are compared over all same-ring pairs of the 1000 test points; the Lipschitz ratios ‖Φ(x)−Φ(x′)‖/‖x−x′‖ over each point's %d nearest input neighbours.\n\n", r.Options.LipschitzK)
	b.WriteString(report.MarkdownTable(header, rows))
	if lo, hi := r.betaExtremes(); lo != nil && hi != nil && lo[0].Beta != hi[0].Beta {
		fmt.Fprintf(&b, "\nWorst per-ring Pearson r: %s at β = %s, %s at β = %s (paper, Fig. 2B: near-perfect preservation with the isometric term).\n",
			num(minWorst(hi)), num(hi[0].Beta), num(minWorst(lo)), num(lo[0].Beta))
	}
	if len(r.Runs) > 0 {
		fmt.Fprintf(&b, "\nUMAP of the test points' last hidden layer with n_neighbors %d, min_dist %s; layout started from: %s.",
			r.Options.Neighbors, num(r.Options.MinDist), r.Runs[0].UMAPInit)
		if r.Runs[0].UMAPInit == embed.InitDisconnected {
			b.WriteString(" (Each ring is its own component of the neighbour graph; from a random start UMAP can cut a ring into arcs, so an open arc is not by itself a broken ring — the distance histograms are the direct evidence.)")
		}
		b.WriteString("\n")
	}
	if r.Input != "" {
		fmt.Fprintf(&b, "\n![the entangled rings](%s.png)\n", r.Input)
	}
	for _, runs := range groups {
		if len(runs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n![β = %s, UMAP](%s.png)\n", num(runs[0].Beta), runs[0].Figures["umap"])
		fmt.Fprintf(&b, "\n![β = %s, same-ring distances](%s.png)\n", num(runs[0].Beta), runs[0].Figures["hist"])
	}
	return b.String()
}

// pearsonStat prints correlations as stored (6 decimals), their mean ± sd
// over several seeds.
func pearsonStat(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	if len(v) == 1 {
		return num(v[0])
	}
	st := newStat(v)
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	return num(math.Round(m*1e6)/1e6) + " ± " + num(st.SD)
}

// betaExtremes returns the runs of the smallest and the largest β.
func (r *RingsResults) betaExtremes() (lo, hi []RingsRun) {
	for _, runs := range r.byBeta() {
		if len(runs) == 0 {
			continue
		}
		if lo == nil || runs[0].Beta < lo[0].Beta {
			lo = runs
		}
		if hi == nil || runs[0].Beta > hi[0].Beta {
			hi = runs
		}
	}
	return lo, hi
}

func minWorst(runs []RingsRun) float64 {
	w := 1.0
	for _, r := range runs {
		w = min(w, r.worstRing())
	}
	return w
}
