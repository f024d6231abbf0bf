package reproduce

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
	"github.com/isonet/isonet/train"
)

// RingTopology is the persistence of one test ring in the input and in the
// last hidden layer of one model. The stored diagrams keep only their H1
// bars (the H0 bars are the single-linkage merge heights; their bottleneck
// distance is kept).
type RingTopology struct {
	Ring string `json:"ring"`
	topology.Comparison
	// KeepsLoop reports whether the representation keeps β₁ = 1: exactly
	// one long H1 bar.
	KeepsLoop bool `json:"keeps_loop"`
	// Figures maps "input" and "representation" to the diagrams' base
	// names (add .png or .svg), relative to the output folder.
	Figures map[string]string `json:"figures"`
}

// TopologyRun is the topology of the test rings for one trained model.
type TopologyRun struct {
	Beta      float64        `json:"beta"`
	Seed      uint64         `json:"seed"`
	Layer     int            `json:"layer"`
	LayerName string         `json:"layer_name"`
	Rings     []RingTopology `json:"per_ring"`
}

// TopologyResults is the persistent homology of the rings experiment.
type TopologyResults struct {
	Options  RingsOptions            `json:"options"`
	Topology topology.CompareOptions `json:"topology_options"`
	Runs     []TopologyRun           `json:"runs"`
	PerBeta  []BetaLoops             `json:"per_beta"`
}

// BetaLoops counts, for one β, the rings (over all seeds) whose last hidden
// layer keeps β₁ = 1.
type BetaLoops struct {
	Beta  float64 `json:"beta"`
	Rings int     `json:"rings"`
	Kept  int     `json:"kept"`
}

// RingsTopology measures, for every β and seed of the rings experiment,
// the Vietoris–Rips persistence of each test ring (all its points) in the
// input and in the last hidden layer of the trained model (reused from the
// phase store, or trained), and draws the persistence diagrams into
// e.Dir/rings. Each model's measurement is a resumable phase named
// rings/beta=B/seed=S/topology.
func RingsTopology(ctx context.Context, e *Env, o RingsOptions) (*TopologyResults, error) {
	r, err := runOne(ctx, e, func() (experiment, error) { return topologyExperiment(e, o) })
	if err != nil {
		return nil, err
	}
	return r.RingsTopology, nil
}

// topologyExperiment declares RingsTopology: per β and seed the rings
// model's training (the rings experiment's) and its persistence.
func topologyExperiment(e *Env, o RingsOptions) (experiment, error) {
	if err := o.Validate(); err != nil {
		return experiment{}, err
	}
	to := topology.DefaultCompareOptions()
	var ps []phase.Phase
	eachRingsModel(e, o, func(name string, spec train.Spec, beta float64, seed uint64) {
		ps = append(ps, trainPhase(e, name+"/train", spec), ringsTopologyPhase(e, name+"/topology", spec, to, beta, seed))
	})
	gather := func(done results, r *Results) error {
		res := &TopologyResults{Options: o, Topology: to}
		perBeta := map[float64]int{} // β → index in res.PerBeta
		eachRingsModel(e, o, func(name string, _ train.Spec, beta float64, _ uint64) {
			run := get[TopologyRun](done, name+"/topology")
			res.Runs = append(res.Runs, run)
			k, ok := perBeta[beta]
			if !ok {
				k = len(res.PerBeta)
				perBeta[beta] = k
				res.PerBeta = append(res.PerBeta, BetaLoops{Beta: beta})
			}
			pb := &res.PerBeta[k]
			pb.Rings += len(run.Rings)
			for _, g := range run.Rings {
				if g.KeepsLoop {
					pb.Kept++
				}
			}
		})
		r.RingsTopology = res
		return nil
	}
	return experiment{name: "rings", dirs: []string{"rings"}, phases: ps, gather: gather}, nil
}

// ringsTopologyPhase declares the persistence of the test rings in a
// rings model (trained by prefix/train, name being prefix/topology).
func ringsTopologyPhase(e *Env, name string, spec train.Spec, to topology.CompareOptions, beta float64, seed uint64) phase.Phase {
	settings := struct {
		Spec     train.Spec
		Topology topology.CompareOptions
	}{spec, to}
	files := func(r TopologyRun) []string {
		var bases []string
		for _, g := range r.Rings {
			bases = append(bases, g.Figures["input"], g.Figures["representation"])
		}
		return figureFiles(bases...)
	}
	trainName := path.Dir(name) + "/train"
	return phase.Of(name, settings, []string{trainName}, files, func(ctx context.Context, in *phase.Inputs) (TopologyRun, error) {
		tr, err := phase.Input[Trained](in, trainName)
		if err != nil {
			return TopologyRun{}, err
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return TopologyRun{}, err
		}
		_, te, err := e.Data(spec.Data)
		if err != nil {
			return TopologyRun{}, err
		}
		layer := spec.Train.IsoLayer // the last hidden layer
		run := TopologyRun{Beta: beta, Seed: seed, Layer: layer, LayerName: m.LayerName(layer)}
		phi, err := m.Representation(te.X, layer)
		if err != nil {
			return run, err
		}
		k := m.IsoScale()
		if k == 0 {
			k = 1
		}
		names := ringNames(te)
		y := te.Y()
		for c, rname := range names {
			if err := ctx.Err(); err != nil {
				return run, err
			}
			var idx []int
			for i, l := range y {
				if l == c {
					idx = append(idx, i)
				}
			}
			cmp, err := topology.Compare(pickRows(te.X, idx), pickRows(phi, idx), k, to)
			if err != nil {
				return run, fmt.Errorf("%s: %w", rname, err)
			}
			slug := strings.ReplaceAll(rname, " ", "-")
			g := RingTopology{Ring: rname, Comparison: *cmp, KeepsLoop: cmp.Rep.LongH1 == 1, Figures: map[string]string{
				"input":          filepath.Join("rings", fmt.Sprintf("persistence-input-seed-%d-%s", seed, slug)),
				"representation": filepath.Join("rings", fmt.Sprintf("persistence-beta-%g-seed-%d-%s", beta, seed, slug)),
			}}
			title := fmt.Sprintf("%s, input (%d points)", rname, cmp.Points)
			if err := report.DrawDiagram(in.Path(g.Figures["input"]), title, &cmp.Input.Diagram); err != nil {
				return run, err
			}
			title = fmt.Sprintf("β = %g: %s, last hidden layer", beta, rname)
			if k != 1 {
				title += fmt.Sprintf(" × %g", k)
			}
			if err := report.DrawDiagram(in.Path(g.Figures["representation"]), title, &cmp.Rep.Diagram); err != nil {
				return run, err
			}
			g.Input.Diagram.H0, g.Rep.Diagram.H0 = nil, nil
			run.Rings = append(run.Rings, g)
		}
		return run, nil
	})
}

// pickRows returns the rows idx of x as a new matrix.
func pickRows(x *tensor.Mat, idx []int) *tensor.Mat {
	out := tensor.New(len(idx), x.Cols)
	for r, i := range idx {
		copy(out.Row(r), x.Row(i))
	}
	return out
}

// Markdown renders the topology summary: per β, seed and ring the two
// longest H1 persistences and the number of long H1 bars in the input and
// in the last hidden layer, whether β₁ = 1 is kept, the H1 bottleneck
// distance, a verdict per β, and the diagrams of the first seed.
func (r *TopologyResults) Markdown() string {
	var b strings.Builder
	if len(r.Runs) == 0 || len(r.Runs[0].Rings) == 0 {
		return "No rings topology was computed.\n"
	}
	first := r.Runs[0]
	fmt.Fprintf(&b, "Vietoris–Rips persistence of each test ring (%d points) in the input and in the last hidden layer (layer %d), distances of the layer multiplied by the iso scale K = %s so that both are in input units. ",
		first.Rings[0].Points, first.Layer, num(first.Rings[0].K))
	fmt.Fprintf(&b, "An H1 bar counts as a loop (long) when its persistence exceeds %s × the cloud's own diameter; a ring keeps β₁ = 1 when its representation has exactly one long bar. ",
		num(r.Topology.LongFraction))
	b.WriteString("Persistences are death − birth; the bottleneck distance is between the input's and the layer's H1 diagrams.\n\n")
	header := []string{"β", "seed", "ring", "input: diameter", "longest / second H1", "long bars", "hidden layer: diameter", "longest / second H1", "long bars", "keeps β₁ = 1", "bottleneck H1"}
	var rows [][]string
	for _, run := range r.Runs {
		for _, g := range run.Rings {
			bn := "∞"
			if g.BottleneckH1 != nil {
				bn = num(*g.BottleneckH1)
			}
			keep := "no"
			if g.KeepsLoop {
				keep = "yes"
			}
			rows = append(rows, []string{num(run.Beta), fmt.Sprint(run.Seed), g.Ring,
				num(g.Input.Diameter), num(g.Input.LongestH1) + " / " + num(g.Input.SecondH1), fmt.Sprint(g.Input.LongH1),
				num(g.Rep.Diameter), num(g.Rep.LongestH1) + " / " + num(g.Rep.SecondH1), fmt.Sprint(g.Rep.LongH1), keep, bn})
		}
	}
	b.WriteString(report.MarkdownTable(header, rows))
	b.WriteString("\n")
	for _, pb := range r.PerBeta {
		verdict := "every ring keeps its loop"
		switch {
		case pb.Kept == 0:
			verdict = "no ring keeps its loop"
		case pb.Kept < pb.Rings:
			verdict = "some rings lose their loop"
		}
		fmt.Fprintf(&b, "- β = %s: %s in the last hidden layer (%d of %d rings over all seeds).\n", num(pb.Beta), verdict, pb.Kept, pb.Rings)
	}
	for _, run := range r.Runs {
		if run.Seed != first.Seed {
			continue
		}
		for _, g := range run.Rings {
			if run.Beta == r.Runs[0].Beta {
				fmt.Fprintf(&b, "\n![%s, input persistence](%s.png)\n", g.Ring, g.Figures["input"])
			}
			fmt.Fprintf(&b, "\n![β = %s, %s, hidden-layer persistence](%s.png)\n", num(run.Beta), g.Ring, g.Figures["representation"])
		}
	}
	return b.String()
}
