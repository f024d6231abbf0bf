package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/isonet/isonet/reproduce"
)

func init() {
	register(&command{name: "reproduce", summary: "run the paper's experiments (all, rings, torus, mnist, fashion) and write a report", run: runReproduce})
}

// defaultOut is where `isonet reproduce` writes when --out is not given.
const defaultOut = "isonet-out"

func runReproduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	what := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args = args[0], args[1:]
	}
	fs := newFlags("reproduce", "[all|rings|torus|mnist|fashion] [--out DIR] [--quick] [--seeds 0,1,2] [--protocol both]", stderr)
	out := fs.String("out", defaultOut, "output folder (report: index.html, report.md, results.json)")
	quick := fs.Bool("quick", false, "reduced settings for a first look (about a minute)")
	force := fs.Bool("force", false, "recompute phases whose results are already stored")
	seeds := fs.String("seeds", "0", "comma-separated seeds; several give mean ± sd")
	protocol := fs.String("protocol", "both", "MNIST attack protocol: standard, authors or both (SPEC §6)")
	betas := fs.String("betas", "0,0.001,0.01,0.1,1,10", "MNIST β values")
	epochs := fs.Int("epochs", 0, "MNIST epochs (default 5; --quick 1)")
	dataDir := fs.String("data-dir", "", "folder of the four IDX files of the data set (default: the bundled MNIST; for fashion Debian's dataset-fashion-mnist, sha256-checked)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	extended := fs.Bool("extended", false, "add the checks beyond the paper: persistent homology of the rings, --baselines, and (with all) the fashion study")
	baselines := fs.Bool("baselines", false, "MNIST: also train PGD adversarial training, Jacobian regularisation and spectral normalisation, and attack all models with PGD, APGD-CE and Square")
	if err := parse(fs, args); err != nil {
		return err
	}
	var exps []string
	switch what {
	case "all":
		exps = reproduce.Experiments
	case "rings", "torus", "mnist", "fashion":
		exps = []string{what}
	default:
		return fmt.Errorf("unknown experiment %q (want all, rings, torus or mnist)", what)
	}
	if what == "all" && *extended {
		exps = append(append([]string{}, exps...), reproduce.ExtendedExperiments...)
	}
	env := &reproduce.Env{Dir: *out, Force: *force, Quick: *quick, DataDir: *dataDir, Log: stderr}
	if *quiet {
		env.Log = nil
	}
	for _, s := range strings.Split(*seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("--seeds: %q is not a non-negative integer", s)
		}
		env.Seeds = append(env.Seeds, v)
	}
	mo := reproduce.DefaultMNIST(*quick)
	mo.Betas = nil
	for _, s := range strings.Split(*betas, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("--betas: %q is not a number", s)
		}
		mo.Betas = append(mo.Betas, v)
	}
	switch *protocol {
	case "both":
	case reproduce.Standard, reproduce.Authors:
		mo.Protocols = []string{*protocol}
	default:
		return fmt.Errorf("--protocol must be standard, authors or both, got %q", *protocol)
	}
	if isSet(fs, "epochs") {
		if *epochs < 1 {
			return fmt.Errorf("--epochs must be ≥ 1, got %d", *epochs)
		}
		mo.Epochs = *epochs
	}
	if err := mo.Validate(); err != nil {
		return err
	}
	// The fashion study: MNIST's settings on Fashion-MNIST's files, which
	// must be there before anything is written.
	fo := mo
	fo.Study, fo.Budgets = "fashion", reproduce.DefaultFashion(*quick).Budgets
	for _, ex := range exps {
		if ex != "fashion" {
			continue
		}
		flag := ""
		if what == "fashion" && *dataDir != "" {
			fo.DataDir, flag = *dataDir, "--data-dir"
			env.DataDir = ""
		}
		if err := reproduce.CheckIDXDir(fo.DataDir, flag); err != nil {
			return err
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// MNIST's 70000 images take about 220 MB as float32; a soft limit
		// makes the collector reclaim load-time buffers promptly, keeping
		// the peak resident memory near the live data instead of twice it.
		debug.SetMemoryLimit(350 << 20)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "isonet reproduce %s: writing to %s\n", what, *out)
	cmdline := "isonet " + strings.Join(append([]string{"reproduce", what}, args...), " ")
	opts := reproduce.DefaultOptions(*quick)
	opts.Experiments, opts.MNIST, opts.Fashion, opts.Command = exps, mo, fo, cmdline
	opts.Extended, opts.Baselines = *extended, *baselines || *extended
	res, err := reproduce.Run(ctx, env, opts)
	if res != nil {
		fmt.Fprintf(stdout, "report: %s/index.html (also report.md, results.json); total %.1f s\n", *out, res.TotalSeconds)
		for _, p := range res.PhaseSeconds {
			fmt.Fprintf(stdout, "  %-8s %8.1f s\n", p.Experiment, p.Seconds)
		}
	}
	return err
}
