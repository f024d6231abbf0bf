package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/isonet/isonet/bench"
)

func init() {
	register(&command{name: "bench", summary: "the PyTorch peer benchmark's workloads (train-b0, train-b1, fgsm, pgd10, toy-b1), umap-70k, FLOPs and the machine's peak", run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "[--only train-b0,...] [--json]", stderr)
	only := fs.String("only", "", "comma-separated workloads (default: all of "+strings.Join(bench.Workloads, ", ")+")")
	asJSON := fs.Bool("json", false, "print JSON")
	seed := fs.Uint64("seed", 0, "seed of the synthetic data")
	if err := parse(fs, args); err != nil {
		return err
	}
	var names []string
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			if !slices.Contains(bench.Workloads, n) {
				return fmt.Errorf("--only: unknown workload %q (want %s)", n, strings.Join(bench.Workloads, ", "))
			}
			names = append(names, n)
		}
	}
	peak := bench.MeasurePeak(time.Second)
	rates := bench.Bench(names, *seed, peak)
	if *asJSON {
		m := map[string]float64{}
		for _, r := range rates {
			if r.Skipped == "" {
				m[r.Name] = r.Rate
			}
		}
		return writeJSON(stdout, map[string]any{"isonet": "go", "threads": runtime.GOMAXPROCS(0), "rates": m, "workloads": rates, "peak": peak})
	}
	fmt.Fprintf(stdout, "%-10s %12s %-10s %9s %12s %9s %7s %5s\n", "workload", "rate", "unit", "seconds", "FLOP/unit", "GFLOP/s", "% peak", "cores")
	for _, r := range rates {
		if r.Skipped != "" {
			fmt.Fprintf(stdout, "%-10s skipped: %s\n", r.Name, r.Skipped)
			continue
		}
		if r.FLOPs == 0 {
			fmt.Fprintf(stdout, "%-10s %12.1f %-10s %9.2f %12s %9s %7s", r.Name, r.Rate, r.Unit, r.Seconds, "-", "-", "-")
			fmt.Fprintf(stdout, " %5d", r.Cores)
		} else {
			fmt.Fprintf(stdout, "%-10s %12.1f %-10s %9.2f %12.4g %9.2f %6.1f%% %5d", r.Name, r.Rate, r.Unit, r.Seconds, r.FLOPs, r.GFLOPS, 100*r.PeakFraction, r.Cores)
		}
		if r.Name == "umap-70k" {
			fmt.Fprintf(stdout, "  (2-D 10-NN label accuracy %.4f)", r.KNNAccuracy)
		}
		if r.Certified != nil {
			fmt.Fprintf(stdout, "  (certified accuracy %.4f at L∞ ε = 0.01)", *r.Certified)
		}
		if a := r.AutoAttack; a != nil {
			fmt.Fprintf(stdout, "  (CPU %.2f s; clean %.4f", a.CPUSeconds, a.Clean)
			for _, s := range a.Stages {
				fmt.Fprintf(stdout, ", %s %.4f in %.2f s", s.Attack, s.RobustAccuracy, s.Seconds)
			}
			fmt.Fprint(stdout, ")")
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "peak: %.1f GFLOP/s fp32 on %d threads, %.1f on one (register-only FMA loop, %s); %% peak is of the cores a workload used\n", peak.GFLOPS, peak.Threads, peak.OneCore, peak.ISA)
	return nil
}
