package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/isonet/isonet/experiment"
)

func init() {
	register(&command{name: "bench", summary: "the PyTorch peer benchmark's workloads (train-b0, train-b1, fgsm, pgd10, toy-b1)", run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "[--only train-b0,...] [--json]", stderr)
	only := fs.String("only", "", "comma-separated workloads (default: all of "+strings.Join(experiment.BenchWorkloads, ", ")+")")
	asJSON := fs.Bool("json", false, "print JSON")
	seed := fs.Uint64("seed", 0, "seed of the synthetic data")
	if err := parse(fs, args); err != nil {
		return err
	}
	var names []string
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			if !slices.Contains(experiment.BenchWorkloads, n) {
				return fmt.Errorf("--only: unknown workload %q (want %s)", n, strings.Join(experiment.BenchWorkloads, ", "))
			}
			names = append(names, n)
		}
	}
	rates := experiment.Bench(names, *seed)
	if *asJSON {
		m := map[string]float64{}
		for _, r := range rates {
			m[r.Name] = r.Rate
		}
		return writeJSON(stdout, map[string]any{"isonet": "go", "threads": runtime.GOMAXPROCS(0), "rates": m})
	}
	for _, r := range rates {
		fmt.Fprintf(stdout, "%-10s %12.1f %s\n", r.Name, r.Rate, r.Unit)
	}
	return nil
}
