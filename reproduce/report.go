package reproduce

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/verdict"
)

// Machine describes where a run happened.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	GoVersion string `json:"go_version"`
	Module    string `json:"module_version"`
}

// ThisMachine returns the current machine's description.
func ThisMachine() Machine {
	m := Machine{CPU: cpuName(), Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		m.Module = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				m.Module += " " + s.Value
			}
		}
	}
	return m
}

func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// Claim sets one claim of the paper beside what we measured, and the
// verdict of the rule for its kind (package verdict).
type Claim struct {
	Claim    string `json:"claim"`
	Paper    string `json:"paper"`
	Measured string `json:"measured"`
	// Holds is the verdict's text: holds, does not hold, not resolved
	// with n seeds, not run; "(1 seed: indicative)" with one seed.
	Holds   string          `json:"holds"`
	Outcome verdict.Outcome `json:"outcome"`
	// Effects are the intervals the verdict was decided on.
	Effects []Effect `json:"effects,omitempty"`
}

// Effect is one named interval behind a claim's verdict.
type Effect struct {
	Name string `json:"name"`
	verdict.Interval
}

// Results is everything one reproduce run measured; results.json holds it
// and report.md and index.html render it.
type Results struct {
	Command      string        `json:"command"`
	Quick        bool          `json:"quick"`
	Seeds        []uint64      `json:"seeds"`
	Started      string        `json:"started"`
	TotalSeconds float64       `json:"total_seconds"`
	Machine      Machine       `json:"machine"`
	Claims       []Claim       `json:"claims"`
	Sections     []string      `json:"sections"` // experiments run, in order
	PhaseSeconds []PhaseTotal  `json:"phase_seconds"`
	Timings      []Timing      `json:"timings"`
	Rings        *RingsResults `json:"rings,omitempty"`
	Torus        *TorusResults `json:"torus,omitempty"`
	// RingsTopology is the persistent homology of the rings (--extended).
	RingsTopology *TopologyResults `json:"rings_topology,omitempty"`
	MNIST         *MNISTResults    `json:"mnist,omitempty"`
	MNISTSummary  *MNISTSummary    `json:"mnist_summary,omitempty"`
	// Baselines compares the LILs with other defences under strong attacks
	// (--baselines or --extended).
	Baselines *BaselineResults `json:"baselines,omitempty"`
	// Fashion is the MNIST study on Fashion-MNIST with its image grid and
	// baselines (experiment "fashion"; `all --extended`).
	Fashion          *MNISTResults    `json:"fashion,omitempty"`
	FashionSummary   *MNISTSummary    `json:"fashion_summary,omitempty"`
	FashionGrid      *Grid            `json:"fashion_grid,omitempty"`
	FashionBaselines *BaselineResults `json:"fashion_baselines,omitempty"`
}

// PhaseTotal is the time one experiment took.
type PhaseTotal struct {
	Experiment string  `json:"experiment"`
	Seconds    float64 `json:"seconds"`
}

// Markdown renders the whole report.
func (r *Results) Markdown() string {
	var b strings.Builder
	b.WriteString("# isonet: reproducing \"Isometric representations in neural networks improve robustness\"\n\n")
	if r.Quick {
		b.WriteString("**Quick run**: reduced epochs and data; the numbers are a first look, not a reproduction.\n\n")
	}
	b.WriteString("## The paper's claims and our measurements\n\n")
	var rows [][]string
	for _, c := range r.Claims {
		rows = append(rows, []string{c.Claim, c.Paper, c.Measured, c.Holds})
	}
	b.WriteString(report.MarkdownTable([]string{"claim", "paper", "measured here", "holds?"}, rows))
	if len(r.Claims) > 0 {
		b.WriteString(VerdictsMarkdown())
	}
	for _, s := range r.Sections {
		switch s {
		case "rings":
			if r.Rings != nil {
				b.WriteString("\n## Entangled rings (Fig. 2)\n\n")
				b.WriteString(r.Rings.Markdown())
			}
			if r.RingsTopology != nil {
				b.WriteString("\n### Do the rings keep their loop? Persistent homology (beyond the paper)\n\n")
				b.WriteString(r.RingsTopology.Markdown())
			}
		case "torus":
			if r.Torus != nil {
				b.WriteString("\n## Torus with three label levels, stacked LILs (Fig. 4)\n\n")
				b.WriteString(r.Torus.Markdown())
			}
		case "mnist":
			if r.MNISTSummary != nil {
				b.WriteString("\n## MNIST: β sweep, FGSM and PGD\n\n")
				b.WriteString(r.MNISTSummary.Markdown())
				for _, name := range slices.Sorted(maps.Keys(r.MNISTSummary.Figures)) {
					fmt.Fprintf(&b, "\n![%s](%s.png)\n", name, r.MNISTSummary.Figures[name])
				}
			}
			if r.Baselines != nil {
				b.WriteString("\n## MNIST: LILs against other defences under strong attacks (beyond the paper)\n\n")
				b.WriteString(r.Baselines.Markdown())
			}
		case "fashion":
			if r.FashionSummary != nil {
				b.WriteString("\n## Fashion-MNIST: the MNIST study on a harder data set (beyond the paper)\n\n")
				if r.FashionGrid != nil {
					b.WriteString(r.FashionGrid.Markdown())
					b.WriteString("\n")
				}
				b.WriteString("The MNIST study above, unchanged in method (same networks, training, protocols and attacks), on Fashion-MNIST, ten classes of clothing in grey images of MNIST's size and layout (Xiao et al. 2017).\n\n")
				b.WriteString(strings.ReplaceAll(r.FashionSummary.Markdown(), "### ", "### Fashion-MNIST: "))
				for _, name := range slices.Sorted(maps.Keys(r.FashionSummary.Figures)) {
					fmt.Fprintf(&b, "\n![%s](%s.png)\n", "Fashion-MNIST "+name, r.FashionSummary.Figures[name])
				}
			}
			if r.FashionBaselines != nil {
				b.WriteString("\n### Fashion-MNIST: LILs against other defences under strong attacks\n\n")
				b.WriteString(r.FashionBaselines.Markdown())
			}
		}
	}
	b.WriteString("\n## How this was run\n\n")
	fmt.Fprintf(&b, "- command: `%s`\n", codeSpan(r.Command))
	fmt.Fprintf(&b, "- seeds: %s\n", joinSeeds(r.Seeds))
	fmt.Fprintf(&b, "- started: %s; total time %s s\n", r.Started, num(r.TotalSeconds))
	fmt.Fprintf(&b, "- machine: %s, %d cores, %s/%s, %s, isonet %s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.OS, r.Machine.Arch, r.Machine.GoVersion, r.Machine.Module)
	b.WriteString("\n")
	rows = nil
	for _, p := range r.PhaseSeconds {
		rows = append(rows, []string{p.Experiment, num(p.Seconds)})
	}
	b.WriteString(report.MarkdownTable([]string{"experiment", "seconds"}, rows))
	return b.String()
}

// codeSpan makes s, a command line the user typed, safe inside one
// Markdown code span on one line: a newline or other control character
// would end the line (and start a heading, a table or an image of the
// user's choosing), a backquote would end the span, and [text](url) would
// become a link; control characters are written as escapes (\n, \x1b), a
// backquote as a quote.
func codeSpan(s string) string {
	// A zero-width space keeps "](" from reading as a link.
	s = strings.ReplaceAll(s, "](", "]\u200b(")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '`':
			b.WriteString("'")
		case r == '\n':
			b.WriteString(`\n`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func joinSeeds(s []uint64) string {
	var parts []string
	for _, v := range s {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ", ")
}

const page = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>isonet report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}figure{margin:1.5em 0}figure img{max-width:100%%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}code{background:#f5f5f5;padding:0 .2em}
</style></head><body>
%s
</body></html>
`

// Write writes results.json, report.md and index.html into dir. All three
// are first written to temporary files beside them; only when every one
// is complete are they renamed into place, so that a failure (a full disk)
// leaves the previous report whole.
func (r *Results) Write(dir string) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, "results.json"), err)
	}
	md := r.Markdown()
	files := []struct {
		name string
		data []byte
	}{
		{"results.json", append(js, '\n')},
		{"report.md", []byte(md)},
		{"index.html", []byte(fmt.Sprintf(page, report.MarkdownToHTML(md)))},
	}
	tmps := make([]string, len(files))
	defer func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		path := filepath.Join(dir, f.name)
		tf, err := os.CreateTemp(dir, "."+f.name+".tmp-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		tmps[i] = tf.Name()
		_, err = tf.Write(f.data)
		if err == nil {
			err = tf.Sync()
		}
		if cerr := tf.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tf.Name(), 0o644)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(dir, f.name), err)
		}
		tmps[i] = ""
	}
	return nil
}
