// Command isonet trains neural networks with Locally Isometric Layers and
// measures how robust and how structure-preserving they are.
//
//	isonet train     train a model (MNIST, rings, torus or a CSV file; --stacked for hierarchies)
//	isonet eval      clean accuracy and isometry numbers of a model
//	isonet attack    accuracy under FGSM, PGD, pgd-paper, APGD or Square; the paper's sweeps
//	isonet certify   certified accuracy: IBP, CROWN, α-CROWN or Lipschitz bounds on robust accuracy
//	isonet embed     UMAP or PCA picture of a layer
//	isonet geometry  within-class distance histograms, isometry and Lipschitz numbers
//	isonet topology  persistent homology per class, input against representation
//	isonet bench     the PyTorch peer benchmark's workloads
//	isonet reproduce run the paper's experiments and write a report
//
// Run `isonet COMMAND --help` for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/outdir"
)

// command is one subcommand of isonet.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	ctx, stop := signalContext()
	defer stop()
	// ISONET_CPUPROFILE=FILE writes a CPU profile of the whole command (for
	// `go tool pprof`), as `go test -cpuprofile` does for a test.
	if path := os.Getenv("ISONET_CPUPROFILE"); path != "" {
		code := profiled(path, func() int { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
		os.Exit(code)
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes isonet with args and returns the exit status: 0 on success,
// 2 on any error (bad input, a failed run), 130 when interrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "isonet: unknown command %q (run isonet --help)\n", args[0])
		return 2
	}
	ctx, notes := withNotes(ctx)
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		notes.flush(stderr) // lines about the data used, printed only on success
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, context.Canceled) && stoppedForTimeLimit(ctx):
		fmt.Fprintf(stderr, "isonet %s: %v; progress is saved: run the same command again to resume (exit %d)\n", c.name, errTimeLimit, exitTimeLimit)
		return exitTimeLimit
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "isonet %s: interrupted\n", c.name)
		return 130
	}
	fmt.Fprintf(stderr, "isonet %s: %s\n", c.name, oneLine(message(err)))
	return 2
}

// profiled runs f with a CPU profile written to path and returns f's exit
// status, or 2 when the profile cannot be written.
func profiled(path string, f func() int) int {
	out, err := outdir.OpenRegular(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err == nil {
		err = pprof.StartCPUProfile(out)
		if err != nil {
			out.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "isonet: ISONET_CPUPROFILE: %v\n", err)
		return 2
	}
	code := f()
	pprof.StopCPUProfile()
	if err := out.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "isonet: ISONET_CPUPROFILE: %v\n", err)
		return 2
	}
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "isonet: Locally Isometric Layers — train, attack and inspect networks.")
	fmt.Fprintln(w, "\nUsage: isonet COMMAND [flags]   (isonet COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// newFlags returns a FlagSet for a command whose errors come back to run.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("isonet "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "Usage: isonet %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args, turning a flag error into a one-line error and
// rejecting stray positional arguments; --help prints the usage.
func parse(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		return fmt.Errorf("%v (see --help)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return checkFloat32Flags(fs)
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// dataPair is a training and a test set.
type dataPair struct{ train, test *data.Set }
