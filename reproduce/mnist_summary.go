package reproduce

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/verdict"
)

// Stat is a mean and standard deviation over seeds, rounded to 4 decimals
// so that the number printed in a report is the number in results.json.
// With several seeds Values holds the per-seed numbers, in seed order; with
// none (N = 0: not run) Mean and SD are written as null.
type Stat struct {
	Mean   float64   `json:"mean"`
	SD     float64   `json:"sd"`
	N      int       `json:"n"`
	Values []float64 `json:"per_seed,omitempty"`
}

// MarshalJSON writes a Stat of nothing measured with null mean and sd
// instead of the NaN JSON cannot hold.
func (s Stat) MarshalJSON() ([]byte, error) {
	type plain Stat
	if s.N == 0 {
		return json.Marshal(struct {
			Mean *float64 `json:"mean"`
			SD   *float64 `json:"sd"`
			N    int      `json:"n"`
		}{})
	}
	return json.Marshal(plain(s))
}

// perSeed returns the per-seed values of s, in seed order.
func (s Stat) perSeed() []float64 {
	switch {
	case s.N == 0:
		return nil
	case s.N == 1:
		return []float64{s.Mean}
	}
	return s.Values
}

// r4 rounds x to 4 decimals.
func r4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func newStat(v []float64) Stat {
	if len(v) == 0 {
		return Stat{} // N = 0: printed as "–" (JSON has no NaN)
	}
	var m, s float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	if len(v) > 1 {
		s = math.Sqrt(s / float64(len(v)-1))
	}
	st := Stat{Mean: r4(m), SD: r4(s), N: len(v)}
	if len(v) > 1 {
		st.Values = slices.Clone(v)
	}
	return st
}

// String prints the mean, and ± sd when there are several seeds; "not
// run" when nothing was measured.
func (s Stat) String() string {
	if s.N == 0 {
		return "not run"
	}
	if s.N == 1 {
		return num(s.Mean)
	}
	return num(s.Mean) + " ± " + num(s.SD)
}

// num formats a number exactly as encoding/json writes it.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Table1Row is clean test accuracy per β: the paper's and ours.
type Table1Row struct {
	Beta     float64  `json:"beta"`
	Paper    *float64 `json:"paper,omitempty"` // nil where the paper has no number
	Standard Stat     `json:"standard"`
	Authors  Stat     `json:"authors"`
}

// KeyRow is one protocol's robust accuracy at the key points for one β.
type KeyRow struct {
	Protocol string  `json:"protocol"`
	Beta     float64 `json:"beta"`
	Clean    Stat    `json:"clean"`
	FGSM     []Stat  `json:"fgsm_at_key_eps"` // at attack.KeyPoints
	PGD      []Stat  `json:"pgd_at_key_step"` // at attack.KeyPoints (step size a, ball 0.5)
	Budgets  []Stat  `json:"pgd_at_budgets"`  // at Options.Budgets
	Grad     Stat    `json:"input_grad_mean"` // mean ‖∇_x CE‖₂
	PGDLabel string  `json:"pgd_label"`
	// Seeds are the seeds of the per-seed values of every Stat, in order.
	Seeds []uint64 `json:"seeds"`
}

// MNISTSummary is what the report shows of the MNIST reproduction.
type MNISTSummary struct {
	Study     Study     `json:"study"`
	KeyPoints []float64 `json:"key_points"`
	PGDBall   float64   `json:"pgd_sweep_ball"`  // ε of the paper's PGD step-size sweep
	PGDSteps  int       `json:"pgd_sweep_steps"` // its steps
	Budgets   []float64 `json:"budgets"`
	// TestExamples is the size of the test set every accuracy is over (the
	// one-seed standard errors of the verdicts use it).
	TestExamples int           `json:"test_examples"`
	Table1       []Table1Row   `json:"table1"`
	Keys         []KeyRow      `json:"key_rows"`
	Verdict      []string      `json:"verdict"`
	Isometry     []IsometryRow `json:"isometry"`
	// IsometryPerClass is the most test images per class the isometry uses.
	IsometryPerClass int               `json:"isometry_per_class"`
	Figures          map[string]string `json:"figures"` // name → path relative to the output folder (without .png/.svg)
	// Instruments summarises the AutoAttack ensemble and the certificates
	// (bracket.go); nil when the study ran none.
	Instruments *InstrumentSummary `json:"instruments,omitempty"`
	// Fronts are the LILs along β on the clean/robust and clean/certified
	// fronts, from the instruments (fronts.go: lilFronts).
	Fronts []Front `json:"fronts,omitempty"`
}

// Summarize computes the summary and writes the robustness figures into
// dir/mnist (paths in the summary are relative to dir).
func (r *MNISTResults) Summarize(dir string) (*MNISTSummary, error) {
	ps := attack.PaperSweep()
	st := r.Options.Info()
	s := &MNISTSummary{Study: st, KeyPoints: attack.KeyPoints, PGDBall: ps.PGDEps, PGDSteps: ps.PGDSteps, Budgets: r.Options.Budgets, Figures: map[string]string{},
		TestExamples: r.testExamples()}
	if err := os.MkdirAll(filepath.Join(dir, st.Name), 0o755); err != nil {
		return nil, err
	}
	betas := sortedUnique(r.Options.Betas)
	for _, b := range betas {
		row := Table1Row{Beta: b}
		if p, ok := st.Paper[b]; ok {
			row.Paper = &p
		}
		row.Standard = newStat(r.cleanAcc(Standard, b))
		row.Authors = newStat(r.cleanAcc(Authors, b))
		s.Table1 = append(s.Table1, row)
	}
	for _, pair := range r.protocolPairs() {
		runs := r.Find(pair[0], pair[1])
		if len(runs) == 0 {
			continue
		}
		name := ProtocolName(pair[0], pair[1])
		for _, b := range betas {
			var sel []MNISTRun
			for _, run := range runs {
				if run.Beta == b && !slices.ContainsFunc(sel, func(m MNISTRun) bool { return m.Seed == run.Seed }) {
					sel = append(sel, run)
				}
			}
			if len(sel) == 0 {
				continue
			}
			k := KeyRow{Protocol: name, Beta: b, PGDLabel: sel[0].PGD.Label}
			for _, run := range sel {
				k.Seeds = append(k.Seeds, run.Seed)
			}
			k.Clean = newStat(collect(sel, func(m MNISTRun) float64 { return m.Clean }))
			for _, v := range attack.KeyPoints {
				k.FGSM = append(k.FGSM, newStat(collect(sel, func(m MNISTRun) float64 { return m.FGSM.At(v) })))
				k.PGD = append(k.PGD, newStat(collect(sel, func(m MNISTRun) float64 { return m.PGD.At(v) })))
			}
			for i := range r.Options.Budgets {
				k.Budgets = append(k.Budgets, newStat(collect(sel, func(m MNISTRun) float64 { return m.Budgets[i].Accuracy })))
			}
			k.Grad = newStat(collect(sel, func(m MNISTRun) float64 { return m.GradMean }))
			s.Keys = append(s.Keys, k)
		}
		slug := strings.ReplaceAll(name, " ", "-")
		for _, which := range []string{"fgsm", "pgd"} {
			rel := filepath.Join(st.Name, which+"-"+slug)
			if err := r.plotCurves(filepath.Join(dir, rel), runs, which, name); err != nil {
				return nil, err
			}
			s.Figures[which+" "+name] = rel
		}
	}
	s.Isometry, s.IsometryPerClass = r.isometryRows(), IsometryPerClass
	ins, err := r.summarizeInstruments(dir, s.Figures)
	if err != nil {
		return nil, err
	}
	s.Instruments = ins
	if s.Fronts, err = r.lilFronts(dir, s.Figures); err != nil {
		return nil, err
	}
	s.Verdict = s.verdict()
	return s, nil
}

// testExamples is the number of test examples the runs were attacked on:
// as recorded, else the options' subset, else MNIST's 10000.
func (r *MNISTResults) testExamples() int {
	for _, run := range r.Runs {
		if run.Examples > 0 {
			return run.Examples
		}
	}
	if r.Options.TestSubset > 0 {
		return r.Options.TestSubset
	}
	return 10000
}

func (r *MNISTResults) protocolPairs() [][2]string {
	return [][2]string{{Standard, Standard}, {Authors, Authors}, {Authors, Standard}}
}

func (r *MNISTResults) cleanAcc(proto string, beta float64) []float64 {
	var v []float64
	var seen []uint64
	for _, m := range r.Models {
		if m.Protocol == proto && m.Beta == beta && !slices.Contains(seen, m.Seed) {
			v = append(v, m.TestAcc)
			seen = append(seen, m.Seed)
		}
	}
	return v
}

// sortedUnique returns the values of v in increasing order, each once.
func sortedUnique(v []float64) []float64 {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

func collect(runs []MNISTRun, f func(MNISTRun) float64) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return v
}

// plotCurves draws accuracy against the sweep parameter, one line per β
// (mean over seeds, ± sd band).
func (r *MNISTResults) plotCurves(base string, runs []MNISTRun, which, proto string) error {
	var series []report.Series
	var label, xlabel string
	for _, b := range sortedUnique(r.Options.Betas) {
		var curves []attack.Curve
		var seen []uint64
		for _, run := range runs {
			if run.Beta == b && !slices.Contains(seen, run.Seed) {
				seen = append(seen, run.Seed)
				if which == "fgsm" {
					curves = append(curves, run.FGSM)
				} else {
					curves = append(curves, run.PGD)
				}
			}
		}
		if len(curves) == 0 {
			continue
		}
		label = curves[0].Label
		s := report.Series{Name: "β = " + num(b), X: curves[0].Values}
		for i := range curves[0].Values {
			vals := make([]float64, len(curves))
			for j, c := range curves {
				vals[j] = c.Acc[i]
			}
			st := newStat(vals)
			s.Y = append(s.Y, st.Mean)
			if len(curves) > 1 {
				s.YErr = append(s.YErr, st.SD)
			}
		}
		series = append(series, s)
	}
	st := r.Options.Info()
	title := fmt.Sprintf("%s, %s: FGSM (L∞)", st.Title, proto)
	xlabel = "ε (L∞ radius, pixel scale 0–1)"
	if which == "pgd" {
		title = fmt.Sprintf("%s, %s: %s, ball 0.5, 10 steps", st.Title, proto, label)
		xlabel = "step size a (pixel scale 0–1)"
	}
	return report.LinePlot(base, title, xlabel, "robust accuracy", series, true, report.WithYRange(0, 1), report.WithLegendTitle("β"))
}

// verdict says in plain words, with the numbers, under which protocol
// robustness rises with β (the slope over every β, by the rule of the
// claims table) and whether the model or the attack makes the difference.
func (s *MNISTSummary) verdict() []string {
	var out []string
	trends := map[string]trend{}
	for _, proto := range []string{Standard, Authors, Cross} {
		t := s.trend(proto)
		if !t.ok || !t.okF {
			continue
		}
		trends[proto] = t
		best := t.lo
		for _, k := range t.rows {
			if k.FGSM[t.fg].Mean > best.FGSM[t.fg].Mean {
				best = k
			}
		}
		line := fmt.Sprintf("Under the %s protocol%s: FGSM accuracy at ε = 0.1 goes from %s at β = %s to %s at β = %s (slope per β step over every β %s; rises with β: %s; highest %s at β = %s).",
			proto, protocolNote(proto), num(t.lo.FGSM[t.fg].Mean), num(t.lo.Beta), num(t.hi.FGSM[t.fg].Mean), num(t.hi.Beta), t.fgsm.String(), t.vF.Text, num(best.FGSM[t.fg].Mean), num(best.Beta))
		if t.okP {
			line += fmt.Sprintf(" Under %s at ε = %s (step ε/4, 10 steps): %s → %s (slope %s; %s).", t.lo.PGDLabel, num(t.budget), num(t.lo.Budgets[t.kb].Mean), num(t.hi.Budgets[t.kb].Mean), t.pgd.String(), t.vP.Text)
		}
		out = append(out, line)
	}
	ta, okA := trends[Authors]
	tc, okC := trends[Cross]
	if okA && okC {
		var who string
		switch {
		case ta.vF.Outcome == verdict.DoesNotHold:
			who = "the authors' own attack shows robustness falling with β here, so there is no rise to attribute"
		case ta.vF.Outcome != verdict.Holds:
			who = "the authors' own attack shows no resolved rise of robustness with β here, so there is no trend to attribute"
		case tc.vF.Outcome == verdict.Holds:
			who = "the models make the difference: the authors' models keep a resolved rise with β under the standard attack"
		case tc.vF.Outcome == verdict.DoesNotHold:
			who = "the attack makes the difference: the same models' robustness falls with β (a resolved negative slope) when attacked with the standard protocol"
		default:
			who = "the attack makes the difference: the same models show no resolved β trend when attacked with the standard protocol"
		}
		out = append(out, fmt.Sprintf("Model or attack? The β slope at FGSM ε = 0.1 is %s under the authors' attack and %s when the same models face the standard attack: %s.", ta.fgsm.String(), tc.fgsm.String(), who))
	}
	return out
}

// Markdown renders the MNIST part of the report.
func (s *MNISTSummary) Markdown() string {
	var b strings.Builder
	st := s.Study
	fmt.Fprintf(&b, "### Table 1: clean %s test accuracy\n\n", st.Title)
	var rows [][]string
	header := []string{"β", "paper", "ours, standard", "ours, authors"}
	for _, r := range s.Table1 {
		row := []string{num(r.Beta), r.Standard.String(), r.Authors.String()}
		if st.Paper != nil {
			p := "–"
			if r.Paper != nil {
				p = num(*r.Paper)
			}
			row = append([]string{row[0], p}, row[1:]...)
		}
		rows = append(rows, row)
	}
	if st.Paper == nil {
		header = []string{"β", "standard", "authors"}
	}
	b.WriteString(report.MarkdownTable(header, rows))
	if st.Paper == nil && st.RefHi > 0 {
		fmt.Fprintf(&b, "\nThe paper reports no %s numbers. Fairness check: an MLP of this size reaches %s to %s clean accuracy on %s (%s). "+
			"The check is one-sided, against the floor %s, the lowest of these published MLPs: a β = 0 network below it would be a weak baseline that a LIL could beat for the wrong reason, while a β = 0 network above the range is a stronger baseline, not an unfair one.\n",
			st.Title, num(st.RefLo), num(st.RefHi), st.Title, st.RefSource, num(st.RefLo))
	}
	b.WriteString("\n### Robust accuracy under the paper's instruments (FGSM, PGD), protocols side by side\n\n")
	fmt.Fprintf(&b, "standard: K = 1, depth 4, attacks on the cross-entropy, correct PGD. authors: K = 10, depth 5, attack loss = the training loss, the authors' fixed-gradient PGD (`pgd-paper`). cross: the authors' models under the standard attacks. FGSM columns: accuracy at the step ε; PGD a=…: the paper's sweep of the step size a in a ball of %s, %d steps; PGD ε=…: the field's budgets, step ε/4, %d steps.\n\n", num(s.PGDBall), s.PGDSteps, s.PGDSteps)
	b.WriteString(report.MarkdownTable(s.sideHeader(), s.sideRows()))
	b.WriteString("\n")
	for _, v := range s.Verdict {
		b.WriteString("- " + v + "\n")
	}
	b.WriteString(s.Instruments.Markdown())
	b.WriteString(lilFrontsMarkdown(s.Fronts))
	if len(s.Isometry) > 0 {
		b.WriteString("\n### Was isometry reached? Within-class isometry of the iso layer\n\n")
		fmt.Fprintf(&b, "Pearson r between the distances of same-class test images and the (K-scaled) distances of their iso-layer representations, per class (at most %d images per class); 1 is a perfect isometry up to scale.\n\n", s.IsometryPerClass)
		h := []string{"protocol", "β", "mean r", "worst class r"}
		for c := range s.Isometry[0].PerClass {
			name := fmt.Sprint(c)
			if c < len(st.Classes) {
				name = st.Classes[c]
			}
			h = append(h, name)
		}
		var tab [][]string
		for _, r := range s.Isometry {
			line := []string{r.Protocol, num(r.Beta), r.Mean.String(), r.Worst.String()}
			for _, c := range r.PerClass {
				line = append(line, c.String())
			}
			tab = append(tab, line)
		}
		b.WriteString(report.MarkdownTable(h, tab))
	}
	return b.String()
}

func (s *MNISTSummary) sideHeader() []string {
	h := []string{"protocol", "β", "clean"}
	for _, k := range s.KeyPoints {
		h = append(h, "FGSM ε="+num(k))
	}
	for _, k := range s.KeyPoints {
		h = append(h, "PGD a="+num(k))
	}
	for _, e := range s.Budgets {
		h = append(h, "PGD ε="+num(e))
	}
	return append(h, "mean ‖∇ₓCE‖")
}

func (s *MNISTSummary) sideRows() [][]string {
	var rows [][]string
	for _, k := range s.Keys {
		r := []string{k.Protocol, num(k.Beta), k.Clean.String()}
		for _, st := range k.FGSM {
			r = append(r, st.String())
		}
		for _, st := range k.PGD {
			r = append(r, st.String())
		}
		for _, st := range k.Budgets {
			r = append(r, st.String())
		}
		rows = append(rows, append(r, k.Grad.String()))
	}
	return rows
}

// protocolNote explains a protocol's name in a sentence.
func protocolNote(proto string) string {
	if proto == Cross {
		return " (the authors' models, standard attack)"
	}
	return ""
}

// keyBudget returns the index of the study's key budget among the PGD
// budgets (0 when it is not among them).
func (s *MNISTSummary) keyBudget() int {
	if i := slices.Index(s.Budgets, s.Study.KeyEps); i >= 0 {
		return i
	}
	return 0
}
