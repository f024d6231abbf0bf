package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/reproduce"
	"github.com/isonet/isonet/train"
)

func init() {
	register(&command{name: "reproduce", summary: "run the paper's experiments (all, rings, torus, mnist, fashion) and write a report", run: runReproduce})
}

// defaultOut is where `isonet reproduce` writes when --out is not given.
const defaultOut = "isonet-out"

// reproduceFlags are reproduce's flags, shared with `submit slurm`, which
// passes them on to the shards and the merge.
type reproduceFlags struct {
	fs                                   *flag.FlagSet
	what                                 string
	out, seeds, protocol, betas, dataDir *string
	shard                                *string
	shards, epochs                       *int
	quick, force, quiet, extended        *bool
	baselines, plan, jsonOut, merge      *bool
	allowMixed                           *bool
	checkpointEvery                      *time.Duration
}

func newReproduceFlags(fs *flag.FlagSet) *reproduceFlags {
	return &reproduceFlags{
		fs:         fs,
		out:        fs.String("out", defaultOut, "output folder (report: index.html, report.md, results.json)"),
		quick:      fs.Bool("quick", false, "reduced settings for a first look (about 20 s on 2 cores)"),
		force:      fs.Bool("force", false, "recompute phases whose results are already stored (files isonet did not write are kept); with --merge: replace a report computed from other settings"),
		seeds:      fs.String("seeds", "", "seeds of every experiment, comma-separated, ranges lo-hi allowed (0-4; default 0,1,2, with --quick 0); every verdict has a 95 % interval over the test examples; two or more seeds add the spread over seeds (tables print mean ± sd); one seed leaves the training variance out and marks its verdicts \"(1 seed: indicative)\""),
		protocol:   fs.String("protocol", "both", "MNIST attack protocol: standard, authors or both (SPEC §6)"),
		betas:      fs.String("betas", "0,0.001,0.01,0.1,1,10", "MNIST β values, comma-separated (taken in increasing order)"),
		epochs:     fs.Int("epochs", 0, "MNIST epochs (default 5; --quick 1)"),
		dataDir:    fs.String("data-dir", "", "folder of the four IDX files of the data set (default: the bundled MNIST; for fashion Debian's dataset-fashion-mnist, sha256-checked)"),
		quiet:      fs.Bool("quiet", false, "no progress lines"),
		extended:   fs.Bool("extended", false, "add the checks beyond the paper: persistent homology of the rings, --baselines, and (with all) the fashion study"),
		baselines:  fs.Bool("baselines", false, "MNIST (the fashion study always does): also train PGD adversarial training, Jacobian regularisation, spectral normalisation, TRADES and a 1-Lipschitz network, each along its own knob, place every model on the clean/robust and clean/certified Pareto fronts, and attack each at its default knob with PGD, APGD-CE and Square"),
		plan:       fs.Bool("plan", false, "print every phase (name, settings hash, the phases it needs, its shard) and exit; computes and writes nothing"),
		jsonOut:    fs.Bool("json", false, "with --plan: print the plan as JSON"),
		shard:      fs.String("shard", "", "I/N: compute only shard I's phases (I from 0) into the shared --out; then run --merge"),
		shards:     fs.Int("shards", 0, "number of shards for --plan and --merge (default: --merge reads it from the folder's plan.json, else 1)"),
		merge:      fs.Bool("merge", false, "compute nothing: write the report from the stored phases, or list the missing ones"),
		allowMixed: fs.Bool("allow-mixed-versions", false, "with --merge: accept phases computed by different isonet versions"),
		checkpointEvery: fs.Duration("checkpoint-every", 30*time.Second,
			"how often a training phase saves a checkpoint to resume from after a crash (0: never)"),
	}
}

// options turns the flags into the run's environment and options.
func (f *reproduceFlags) options(stderr io.Writer) (*reproduce.Env, reproduce.Options, error) {
	exps, err := f.experiments()
	if err != nil {
		return nil, reproduce.Options{}, err
	}
	env := f.env(stderr)
	seedList, seedsSorted, err := parseSeeds(f.seedsText())
	if err != nil {
		return nil, reproduce.Options{}, err
	}
	env.Seeds = seedList
	mo, betasSorted, err := f.mnistOptions()
	if err != nil {
		return nil, reproduce.Options{}, err
	}
	fo, err := f.fashionOptions(mo, exps, env)
	if err != nil {
		return nil, reproduce.Options{}, err
	}
	if seedsSorted {
		fmt.Fprintf(stderr, "isonet reproduce: --seeds taken in increasing order: %s\n", joinUints(env.Seeds))
	}
	if betasSorted {
		fmt.Fprintf(stderr, "isonet reproduce: --betas taken in increasing order: %s\n", joinFloats(mo.Betas))
	}
	opts := reproduce.DefaultOptions(*f.quick)
	opts.Experiments, opts.MNIST, opts.Fashion = exps, mo, fo
	opts.Extended, opts.Baselines = *f.extended, *f.baselines || *f.extended
	return env, opts, nil
}

// seedsText returns --seeds, or the default seeds of the run
// (reproduce.DefaultSeeds: 0,1,2, with --quick 0) when it is not given.
func (f *reproduceFlags) seedsText() string {
	set := false
	f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "seeds" })
	if !set {
		return joinUints(reproduce.DefaultSeeds(*f.quick))
	}
	return *f.seeds
}

// experiments returns the experiments the run computes.
func (f *reproduceFlags) experiments() ([]string, error) {
	var exps []string
	switch f.what {
	case "all":
		exps = reproduce.Experiments
	case "rings", "torus", "mnist", "fashion":
		exps = []string{f.what}
	default:
		return nil, fmt.Errorf("unknown experiment %q (want all, rings, torus, mnist or fashion)", f.what)
	}
	if f.what == "all" && *f.extended {
		exps = append(append([]string{}, exps...), reproduce.ExtendedExperiments...)
	}
	return exps, nil
}

// env returns the run's environment, without its seeds.
func (f *reproduceFlags) env(stderr io.Writer) *reproduce.Env {
	env := &reproduce.Env{Dir: *f.out, Force: *f.force, Quick: *f.quick, DataDir: *f.dataDir, Log: stderr, CheckpointEvery: *f.checkpointEvery}
	if *f.checkpointEvery <= 0 {
		env.CheckpointEvery = -1
	}
	if *f.quiet {
		env.Log = nil
	}
	return env
}

// mnistOptions returns the validated MNIST study's options and whether
// --betas had to be sorted.
func (f *reproduceFlags) mnistOptions() (mo reproduce.MNISTOptions, betasSorted bool, err error) {
	mo = reproduce.DefaultMNIST(*f.quick)
	if mo.Betas, betasSorted, err = parseBetas(*f.betas); err != nil {
		return mo, false, err
	}
	switch *f.protocol {
	case "both":
	case reproduce.Standard, reproduce.Authors:
		mo.Protocols = []string{*f.protocol}
	default:
		return mo, false, fmt.Errorf("--protocol must be standard, authors or both, got %q", *f.protocol)
	}
	if isSet(f.fs, "epochs") {
		if *f.epochs < 1 {
			return mo, false, fmt.Errorf("--epochs must be ≥ 1, got %d", *f.epochs)
		}
		mo.Epochs = *f.epochs
	}
	if err := mo.Validate(); err != nil {
		return mo, false, err
	}
	return mo, betasSorted, nil
}

// fashionOptions returns the fashion study's options: MNIST's settings
// mo on Fashion-MNIST's files, which must be there, when exps holds the
// study, before anything is written. Fashion alone takes --data-dir from
// env.
func (f *reproduceFlags) fashionOptions(mo reproduce.MNISTOptions, exps []string, env *reproduce.Env) (reproduce.MNISTOptions, error) {
	fo := mo
	fo.Study, fo.Budgets = "fashion", reproduce.DefaultFashion(*f.quick).Budgets
	for _, ex := range exps {
		if ex != "fashion" {
			continue
		}
		dir := "" // Fashion-MNIST's package folder
		if f.what == "fashion" && *f.dataDir != "" {
			fo.DataDir, dir = *f.dataDir, *f.dataDir
			env.DataDir = ""
		}
		if err := data.CheckIDXDir(dir); err != nil {
			return fo, err
		}
	}
	return fo, nil
}

// parseShard reads --shard I/N.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard must be I/N with 0 ≤ I < N (shards count from 0), got %q", s)
	}
	return i, n, nil
}

func runReproduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	what := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args = args[0], args[1:]
	}
	fs := newFlags("reproduce", "[all|rings|torus|mnist|fashion] [--out DIR] [--quick] [--seeds 0,1,2] [--protocol both] [--plan [--json]] [--shard I/N] [--merge]", stderr)
	f := newReproduceFlags(fs)
	f.what = what
	if err := parse(fs, args); err != nil {
		return err
	}
	env, opts, err := f.options(stderr)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	shard, nShards, err := f.shardFlag()
	if err != nil {
		return err
	}
	if err := f.checkShardCounts(ctx, env, opts, nShards); err != nil {
		return err
	}
	if *f.plan {
		return printPlan(ctx, env, opts, *f.shards, *f.jsonOut, stdout)
	}
	setMemoryLimit()
	opts.Command = "isonet " + shellJoin(append([]string{"reproduce", what}, args...))
	if *f.merge {
		return mergeReproduce(ctx, env, opts, f, stdout, stderr)
	}
	if err := checkFolder(ctx, env, opts, *f.out, *f.force); err != nil {
		return err
	}
	written, err := prepareReproduceOut(*f.out)
	if err != nil {
		return err
	}
	defer written()
	defer reportOutdated(env, stderr)
	if nShards > 0 {
		return f.runShard(ctx, env, opts, shard, nShards, args, stdout, stderr)
	}
	return f.runAll(ctx, env, opts, stdout, stderr)
}

// check refuses the combinations of --plan, --merge, --shard, --shards,
// --json, --force and --allow-mixed-versions that do not go together.
func (f *reproduceFlags) check() error {
	switch {
	case *f.plan && *f.merge:
		return errors.New("--plan and --merge cannot be used together")
	case *f.plan && *f.shard != "":
		return errors.New("--plan lists every shard's phases; drop --shard (use --shards N for the split)")
	case *f.merge && *f.shard != "":
		return errors.New("--merge and --shard cannot be used together: run the shards, then --merge")
	case *f.jsonOut && !*f.plan:
		return errors.New("--json needs --plan")
	case isSet(f.fs, "shards") && !*f.plan && !*f.merge:
		return errors.New("--shards needs --plan or --merge (a shard is chosen with --shard I/N)")
	case isSet(f.fs, "shards") && *f.shards < 1:
		return fmt.Errorf("--shards must be ≥ 1, got %d", *f.shards)
	case *f.allowMixed && !*f.merge:
		return errors.New("--allow-mixed-versions needs --merge")
	}
	return nil
}

// checkShardCounts refuses, before anything is computed or created, a
// shard count (--shard I/N's N, --shards, or the shards of --merge's
// plan.json) above the number of the run's phase groups: a group (a model
// and the phases that need it) is never split, so a shard beyond the last
// group would have no work, and a count in the billions would only exhaust
// memory.
func (f *reproduceFlags) checkShardCounts(ctx context.Context, env *reproduce.Env, opts reproduce.Options, nShards int) error {
	var what string
	var n int
	switch {
	case nShards > 0:
		what, n = "--shard "+*f.shard, nShards
	case isSet(f.fs, "shards") && (*f.plan || *f.merge):
		what, n = fmt.Sprintf("--shards %d", *f.shards), *f.shards
	case *f.merge:
		if n = storedShards(*f.out); n > 1 {
			what = fmt.Sprintf("--merge: %s says %d shards", filepath.Join(*f.out, "plan.json"), n)
		}
	}
	if n <= 1 {
		return nil
	}
	return checkShardCount(ctx, env, opts, what, n)
}

// checkShardCount refuses n shards (named by what in the message) when
// the run has fewer phase groups.
func checkShardCount(ctx context.Context, env *reproduce.Env, opts reproduce.Options, what string, n int) error {
	groups, phases, err := phaseGroups(ctx, env, opts)
	if err != nil {
		return err
	}
	if n > groups {
		return fmt.Errorf("%s: this run has %d phases in %d groups (a model and the phases that need it stay together), so at most %d shards have work; give at most %d", what, phases, groups, groups, groups)
	}
	return nil
}

// phaseGroups returns the number of phase groups and of phases of the run.
func phaseGroups(ctx context.Context, env *reproduce.Env, opts reproduce.Options) (groups, phases int, err error) {
	p, err := reproduce.MakePlan(ctx, env, opts, 1)
	if err != nil {
		return 0, 0, err
	}
	seen := map[string]bool{}
	for _, ph := range p.Phases {
		seen[ph.Group] = true
	}
	return len(seen), len(p.Phases), nil
}

// shardFlag returns --shard I/N, or 0, 0 without it.
func (f *reproduceFlags) shardFlag() (i, n int, err error) {
	if *f.shard == "" {
		return 0, 0, nil
	}
	return parseShard(*f.shard)
}

// printPlan prints the plan of the run in shards shards (at least 1), as
// text or as JSON.
func printPlan(ctx context.Context, env *reproduce.Env, opts reproduce.Options, shards int, asJSON bool, stdout io.Writer) error {
	p, err := reproduce.MakePlan(ctx, env, opts, max(shards, 1))
	if err != nil {
		return err
	}
	if asJSON {
		b, _ := json.MarshalIndent(p, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprint(stdout, p.Text())
	}
	return nil
}

// setMemoryLimit sets a soft memory limit unless GOMEMLIMIT does.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// MNIST's 70000 images take about 220 MB as float32; a soft limit
		// makes the collector reclaim load-time buffers promptly, keeping
		// the peak resident memory near the live data instead of twice it.
		// At 260 MiB the default run peaks at 295,452 KB (323.6 s on an
		// idle 2-core machine) and --quick at 291,676 KB (30.8 s); at
		// 350 MiB they peaked at 367,196 and 353,720 KB. The numbers are
		// the same: the collector changes no result.
		debug.SetMemoryLimit(260 << 20)
	}
}

// reportOutdated says how many phases stored by another isonet version
// the run recomputed.
func reportOutdated(env *reproduce.Env, stderr io.Writer) {
	if n := env.Outdated(); n > 0 {
		fmt.Fprintf(stderr, "isonet reproduce: recomputed %d phase(s) stored by another isonet version (this is %s)\n", n, reproduce.BuildVersion())
	}
}

// runShard computes shard's phases of the run in nShards shards, and
// says how to merge them; args are the command line after the experiment.
func (f *reproduceFlags) runShard(ctx context.Context, env *reproduce.Env, opts reproduce.Options, shard, nShards int, args []string, stdout, stderr io.Writer) error {
	out := *f.out
	p, err := reproduce.MakePlan(ctx, env, opts, nShards)
	if err != nil {
		return err
	}
	if err := writePlan(out, p); err != nil {
		return err
	}
	env.Owns = p.Owns(shard)
	mine := 0
	for _, ph := range p.Phases {
		if ph.Shard == shard {
			mine++
		}
	}
	env.Plan(mine)
	fmt.Fprintf(stderr, "isonet reproduce %s: shard %d/%d (%d of %d phases): writing to %s\n", f.what, shard, nShards, mine, len(p.Phases), out)
	if _, err := reproduce.Run(ctx, env, opts); err != nil {
		return notDone(env, p, err, stderr)
	}
	fmt.Fprintf(stdout, "shard %d/%d done: its %d of %d phases are stored in %s; when every shard is done: %s\n",
		shard, nShards, mine, len(p.Phases), out, mergeCommand(f.what, args))
	return nil
}

// runAll computes every phase of the run and writes the report.
func (f *reproduceFlags) runAll(ctx context.Context, env *reproduce.Env, opts reproduce.Options, stdout, stderr io.Writer) error {
	out := *f.out
	fmt.Fprintf(stderr, "isonet reproduce %s: writing to %s\n", f.what, out)
	res, err := reproduce.Run(ctx, env, opts)
	if err != nil {
		p, perr := reproduce.MakePlan(context.WithoutCancel(ctx), env, opts, 1)
		if perr != nil {
			return err
		}
		return notDone(env, p, err, stderr)
	}
	printReport(stdout, out, res)
	return nil
}

// mergeCommand returns the command line that merges a shard's run: its
// own, without --shard (and --force, which --merge refuses), with --merge.
func mergeCommand(what string, args []string) string {
	cmd := []string{"isonet", "reproduce", what}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-"):
		case name == "shard" && !hasValue:
			i++ // and its value
			continue
		case name == "shard", name == "force", name == "checkpoint-every" && hasValue:
			continue
		case name == "checkpoint-every":
			i++
			continue
		}
		cmd = append(cmd, shellQuote(a))
	}
	return strings.Join(append(cmd, "--merge"), " ")
}

func printReport(stdout io.Writer, out string, res *reproduce.Results) {
	fmt.Fprintf(stdout, "report: %s/index.html (also report.md, results.json); total %.1f s\n", out, res.TotalSeconds)
	for _, p := range res.PhaseSeconds {
		fmt.Fprintf(stdout, "  %-8s %8.1f s\n", p.Experiment, p.Seconds)
	}
}

// notDone says, after a failed or interrupted run, which phases this run
// did not finish (not computed, nor reused) and that the previous report
// (if any) is unchanged, and returns err.
func notDone(env *reproduce.Env, p *reproduce.Plan, err error, stderr io.Writer) error {
	done := map[string]bool{}
	for _, t := range env.Timings {
		done[t.Phase] = true
	}
	// A phase stored (by this run before it stopped, or an earlier one)
	// is done, whether or not this run reached it.
	for _, st := range p.Check(env) {
		if st.Stored && st.Corrupt == "" {
			done[st.Name] = true
		}
	}
	if errors.Is(err, train.ErrDiverged) {
		err = divergedAdvice(err)
	}
	again := "run the same command again to resume"
	if errors.Is(err, train.ErrDiverged) {
		again = "the same command would diverge again"
	}
	var missing []string
	for _, ph := range p.Phases {
		if !done[ph.Name] && (env.Owns == nil || env.Owns(ph.Name)) {
			missing = append(missing, ph.Name)
		}
	}
	if len(missing) > 0 {
		list := strings.Join(missing[:min(len(missing), 5)], ", ")
		if len(missing) > 5 {
			list += fmt.Sprintf(" and %d more", len(missing)-5)
		}
		fmt.Fprintf(stderr, "isonet reproduce: not finished: %d of %d phases were not done (%s); no report was written (a previous one is unchanged); %s\n",
			len(missing), len(p.Phases), list, again)
	}
	return err
}

// mergeReproduce writes the report from the stored phases, or lists the
// missing ones with the shards that own them.
func mergeReproduce(ctx context.Context, env *reproduce.Env, opts reproduce.Options, f *reproduceFlags, stdout, stderr io.Writer) error {
	out := *f.out
	if mk, ok := outdir.ReadMarker(out); !ok || mk.Kind != reproduceKind {
		return fmt.Errorf("--merge: --out %s holds no reproduce run (no %s marker); run the shards first", out, outdir.MarkerFile)
	}
	before := presentEntries(out)
	n := *f.shards
	if n == 0 {
		n = storedShards(out)
	}
	p, err := reproduce.MakePlan(ctx, env, opts, n)
	if err != nil {
		return err
	}
	if err := f.checkSameReport(out, *f.force); err != nil {
		return err
	}
	env.Force = false // --merge --force replaces a report of other settings; it computes nothing
	states := p.Check(env)
	if err := checkStored(env, states, len(p.Phases), n, out, stderr); err != nil {
		return err
	}
	if err := checkCorrupt(states, n, out); err != nil {
		return err
	}
	if err := checkVersions(states, *f.allowMixed); err != nil {
		return err
	}
	env.Mode, env.AllowMixed = reproduce.ModeMerge, *f.allowMixed
	fmt.Fprintf(stderr, "isonet reproduce %s: merging %d stored phases in %s\n", f.what, len(p.Phases), out)
	res, err := reproduce.Run(ctx, env, opts)
	if err != nil {
		return err
	}
	if err := recordWritten(out, before); err != nil {
		return err
	}
	printReport(stdout, out, res)
	return nil
}

// checkStored refuses to merge when a phase of the plan (of total phases
// in n shards) is not stored in out, listing on stderr the missing ones
// with the shards that own them.
//
// A phase stored under its name but with other settings was computed from
// other flags (shards run with --quick, a merge without): it is listed as
// such, and when every phase not stored is, the message says the flags
// differ rather than that shards are missing.
func checkStored(env *reproduce.Env, states []reproduce.PhaseState, total, n int, out string, stderr io.Writer) error {
	var missing, other int
	for _, st := range states {
		if st.Stored {
			continue
		}
		missing++
		if _, err := os.Stat(env.PhasePath(st.Name)); err == nil {
			other++
			fmt.Fprintf(stderr, "  stored with other settings: %s (shard %d/%d)\n", st.Name, st.Shard, n)
		} else {
			fmt.Fprintf(stderr, "  missing: %s (shard %d/%d)\n", st.Name, st.Shard, n)
		}
	}
	switch {
	case missing == 0:
		return nil
	case other == missing:
		return fmt.Errorf("--merge: %d of %d phases are stored in %s with other settings than these flags give (listed above): merge with the flags the shards ran with (--quick, --seeds, --epochs, ...)", missing, total, out)
	case other > 0:
		return fmt.Errorf("--merge: %d of %d phases are not stored in %s with these settings, %d of them stored with other settings (listed above with the shards that own them): merge with the flags the shards ran with, or run those shards, then --merge again", missing, total, out, other)
	}
	return fmt.Errorf("--merge: %d of %d phases are not stored in %s (listed above with the shards that own them); run those shards, then --merge again", missing, total, out)
}

// divergedAdvice rewrites the advice of a phase that diverged for
// reproduce, which has no --lr or --beta: a β too large to train is to be
// left out of --betas (running the same command again would diverge
// again). Errors that are not divergence are returned as they are.
func divergedAdvice(err error) error {
	var fe *field.Error
	if !errors.As(err, &fe) {
		return err
	}
	msg := strings.Replace(err.Error(), fe.Error(), fe.Render(func(f string) string {
		return map[string]string{"LR": "learning rate", "Beta": "β"}[f]
	}), 1)
	msg = strings.Replace(msg, ": try a smaller learning rate or β", "", 1)
	return &divergedError{msg: msg + "; reproduce keeps the paper's learning rates: leave the β values that diverge out of --betas", err: err}
}

// divergedError is a divergence with reproduce's advice; errors.Is still
// finds train.ErrDiverged.
type divergedError struct {
	msg string
	err error
}

func (e *divergedError) Error() string { return e.msg }
func (e *divergedError) Unwrap() error { return e.err }

// checkVersions refuses, unless allowMixed, to merge phases computed by
// different isonet versions or by a version other than this one.
func checkVersions(states []reproduce.PhaseState, allowMixed bool) error {
	versions, count, example := reproduce.Versions(states)
	self := reproduce.BuildVersion()
	if !allowMixed && len(versions) > 0 && (len(versions) > 1 || versions[0] != self) {
		var parts []string
		for _, v := range versions {
			parts = append(parts, fmt.Sprintf("%s (%d phases, e.g. %s)", v, count[v], example[v]))
		}
		what := "phases were computed by different isonet versions: "
		if len(versions) == 1 {
			what = fmt.Sprintf("this isonet is %s but the phases were computed by ", self)
		}
		return fmt.Errorf("--merge: %s%s; rerun the shards with one build, or pass --allow-mixed-versions", what, strings.Join(parts, ", "))
	}
	return nil
}

// reproduceKind is the marker kind of a reproduce folder.
const reproduceKind = "reproduce"

// reproduceEntries are the entries reproduce may write into its folder.
// Its marker lists those a run found missing and then wrote (anything else
// there is the user's and is kept); the marker's kind, not this list, makes
// the folder a reproduce run, and no command replaces a reproduce folder.
var reproduceEntries = []string{"phases", "models", "rings", "torus", "mnist", "fashion", "results.json", "report.md", "index.html", "plan.json", "slurm"}

// prepareReproduceOut checks --out and marks it as a reproduce folder: a
// new or empty folder, or one reproduce wrote (its marker, or, written
// before markers, a phases/ folder of stored phases). Any other folder is
// refused, with or without --force: reproduce --force recomputes phases but
// never deletes a file, and a folder holding other files is not its own.
// The marker records no name ahead: the returned function (call it when
// the command ends, whether it succeeded or not) records the entries of
// reproduceEntries this command made (see recordWritten).
func prepareReproduceOut(out string) (written func(), err error) {
	if err := checkReproduceOut(out); err != nil {
		return nil, err
	}
	before := presentEntries(out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := outdir.Record(out, reproduceKind); err != nil {
		return nil, err
	}
	return func() { recordWritten(out, before) }, nil
}

// presentEntries returns which of reproduceEntries exist in out now.
func presentEntries(out string) map[string]bool {
	m := map[string]bool{}
	for _, name := range reproduceEntries {
		if _, err := os.Lstat(filepath.Join(out, name)); err == nil {
			m[name] = true
		}
	}
	return m
}

// recordWritten adds to out's marker the entries of reproduceEntries that
// exist now but did not before (present when the command began): this
// run wrote them. An entry the user made before (their own rings/ folder)
// is never claimed.
func recordWritten(out string, before map[string]bool) error {
	var made []string
	for name := range presentEntries(out) {
		if !before[name] {
			made = append(made, name)
		}
	}
	if len(made) == 0 {
		return nil
	}
	return outdir.Record(out, reproduceKind, made...)
}

// checkReproduceOut is prepareReproduceOut's check, which changes nothing.
// Besides the folder's contents it refuses the places no output may go
// (the current folder and those above it, the home folder, a missing
// parent folder).
func checkReproduceOut(out string) error {
	if err := outdir.CheckPlace("--out", out); err != nil {
		return err
	}
	info, err := outdir.Classify(out)
	if err != nil {
		return fmt.Errorf("--out %s: %v", out, err)
	}
	if info.Kind == outdir.Foreign || info.Kind == outdir.Owned {
		// A link planted at one of the run's own entries (run/rings ->
		// ~/photos) would make the run write into its target.
		for _, name := range reproduceEntries {
			p := filepath.Join(out, name)
			if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				return fmt.Errorf("--out %s: %s is a symbolic link; isonet writes its run only into folders and files of its own there, never through a link: remove it", out, p)
			}
		}
	}
	switch info.Kind {
	case outdir.File:
		return fmt.Errorf("--out %s is a file, not a folder; isonet does not write over files", out)
	case outdir.Foreign:
		if mk, ok := outdir.ReadMarker(out); ok && mk.Kind == reproduceKind {
			break // the user's own files beside the run are kept
		}
		if _, ok := outdir.ReadMarker(out); !ok && legacyReproduce(out) {
			break
		}
		names := info.Foreign
		list := strings.Join(names[:min(3, len(names))], ", ")
		if len(names) > 3 {
			list += fmt.Sprintf(" and %d more", len(names)-3)
		}
		return fmt.Errorf("--out %s is not empty and was not written by isonet reproduce (it holds %s); choose a new or empty folder", out, list)
	case outdir.Owned:
		if info.What != reproduceKind {
			return fmt.Errorf("--out %s is an isonet %s folder, not a reproduce folder; choose a new or empty folder", out, info.What)
		}
	}
	return nil
}

// legacyReproduce reports whether dir is a reproduce folder written before
// marker files: it has a phases/ folder of stored phases.
func legacyReproduce(dir string) bool {
	ents, err := os.ReadDir(filepath.Join(dir, "phases"))
	if err != nil {
		return false
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			b, err := os.ReadFile(filepath.Join(dir, "phases", e.Name()))
			return err == nil && strings.Contains(string(b), `"settings_hash"`)
		}
	}
	return false
}

// writePlan stores the shard plan in the folder, so that --merge knows the
// shards without --shards.
func writePlan(out string, p *reproduce.Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(out, "plan.json"), append(b, '\n'))
}

// storedShards returns the number of shards in the folder's plan.json (1
// when there is none).
func storedShards(out string) int {
	var p struct {
		Shards int `json:"shards"`
	}
	if b, err := os.ReadFile(filepath.Join(out, "plan.json")); err == nil && json.Unmarshal(b, &p) == nil && p.Shards > 0 {
		return p.Shards
	}
	return 1
}
