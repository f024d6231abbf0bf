package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/isonet/isonet/reproduce"
)

func init() {
	register(&command{name: "reproduce", summary: "run the paper's experiments (all, rings, torus, mnist) and write a report", run: runReproduce})
}

// defaultOut is where `isonet reproduce` writes when --out is not given.
const defaultOut = "isonet-out"

func runReproduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	what := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args = args[0], args[1:]
	}
	fs := newFlags("reproduce", "[all|rings|torus|mnist] [--out DIR] [--quick] [--seeds 0,1,2] [--protocol both]", stderr)
	out := fs.String("out", defaultOut, "output folder (report: index.html, report.md, results.json)")
	quick := fs.Bool("quick", false, "reduced settings for a first look (about a minute)")
	force := fs.Bool("force", false, "recompute phases whose results are already stored")
	seeds := fs.String("seeds", "0", "seeds, comma-separated, ranges lo-hi allowed (0-4); several give mean ± sd, three or more a 95 % interval")
	protocol := fs.String("protocol", "both", "MNIST attack protocol: standard, authors or both (SPEC §6)")
	betas := fs.String("betas", "0,0.001,0.01,0.1,1,10", "MNIST β values, comma-separated (taken in increasing order)")
	epochs := fs.Int("epochs", 0, "MNIST epochs (default 5; --quick 1)")
	dataDir := fs.String("data-dir", "", "folder of MNIST IDX files (default: the bundled MNIST)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	extended := fs.Bool("extended", false, "add the checks beyond the paper: persistent homology of the rings, and --baselines")
	baselines := fs.Bool("baselines", false, "MNIST: also train PGD adversarial training, Jacobian regularisation and spectral normalisation, and attack all models with PGD, APGD-CE and Square")
	if err := parse(fs, args); err != nil {
		return err
	}
	var exps []string
	switch what {
	case "all":
		exps = reproduce.Experiments
	case "rings", "torus", "mnist":
		exps = []string{what}
	default:
		return fmt.Errorf("unknown experiment %q (want all, rings, torus or mnist)", what)
	}
	env := &reproduce.Env{Dir: *out, Force: *force, Quick: *quick, DataDir: *dataDir, Log: stderr}
	if *quiet {
		env.Log = nil
	}
	seedList, seedsSorted, err := parseSeeds(*seeds)
	if err != nil {
		return err
	}
	env.Seeds = seedList
	mo := reproduce.DefaultMNIST(*quick)
	var betasSorted bool
	if mo.Betas, betasSorted, err = parseBetas(*betas); err != nil {
		return err
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
	if os.Getenv("GOMEMLIMIT") == "" {
		// MNIST's 70000 images take about 220 MB as float32; a soft limit
		// makes the collector reclaim load-time buffers promptly, keeping
		// the peak resident memory near the live data instead of twice it.
		debug.SetMemoryLimit(350 << 20)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if seedsSorted {
		fmt.Fprintf(stderr, "isonet reproduce: --seeds taken in increasing order: %s\n", joinUints(env.Seeds))
	}
	if betasSorted {
		fmt.Fprintf(stderr, "isonet reproduce: --betas taken in increasing order: %s\n", joinFloats(mo.Betas))
	}
	fmt.Fprintf(stderr, "isonet reproduce %s: writing to %s\n", what, *out)
	cmdline := "isonet " + strings.Join(append([]string{"reproduce", what}, args...), " ")
	opts := reproduce.DefaultOptions(*quick)
	opts.Experiments, opts.MNIST, opts.Command = exps, mo, cmdline
	opts.Extended, opts.Baselines = *extended, *baselines || *extended
	res, err := reproduce.Run(ctx, env, opts)
	if res != nil && err == nil { // the success line only on success (issue 17 case 1)
		fmt.Fprintf(stdout, "report: %s/index.html (also report.md, results.json); total %.1f s\n", *out, res.TotalSeconds)
		for _, p := range res.PhaseSeconds {
			fmt.Fprintf(stdout, "  %-8s %8.1f s\n", p.Experiment, p.Seconds)
		}
	}
	return err
}
