package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/isonet/isonet/internal/atomicfile"
)

func init() {
	register(&command{name: "submit", summary: "run reproduce on a cluster: submit slurm writes and submits a Slurm job array of shards and a merge job", run: runSubmit})
}

// runSubmit is `isonet submit slurm [flags] [reproduce flags…]`.
//
// It writes two batch scripts into OUT/slurm/ and submits them with
// sbatch: a job array (sbatch --array=0-(N-1)) whose task I runs
// `isonet reproduce … --shard I/N`, and a merge job
// (--dependency=afterok:ARRAY) running `isonet reproduce … --merge`.
// Options isonet chooses itself (job name, log files) are #SBATCH lines in
// the scripts, so the SBATCH_* environment overrides them as sbatch
// documents (command line > environment > script); only what the user gave
// isonet explicitly (--partition, --time) and what the chain needs
// (--array, --dependency) are passed on sbatch's command line.
func runSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stderr, "Usage: isonet submit slurm [--shards N] [--partition P] [--time T] [--dry-run] [--isonet PATH] [all|rings|torus|mnist] [reproduce flags…]")
			return flag.ErrHelp
		}
		return errors.New("name the engine: isonet submit slurm … (the only one; for Kubernetes see examples/k8s)")
	}
	engine := args[0]
	if engine != "slurm" {
		return fmt.Errorf("unknown engine %q (want slurm; for Kubernetes see examples/k8s)", engine)
	}
	args = args[1:]
	what, whatGiven := "all", false
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args, whatGiven = args[0], args[1:], true
		what, args = afterReproduce(what, args)
	}
	fs := newFlags("submit slurm", "[--shards N] [--partition P] [--time T] [--dry-run] [--isonet PATH] [reproduce] [all|rings|torus|mnist|fashion] [reproduce flags…]", stderr)
	partition := fs.String("partition", "", "Slurm partition (sbatch --partition; default: SBATCH_PARTITION or the cluster's default)")
	timeLimit := fs.String("time", "", "time limit of each job (sbatch --time, e.g. 2:00:00; default: SBATCH_TIMELIMIT or the partition's)")
	dryRun := fs.Bool("dry-run", false, "print the batch scripts and the sbatch commands instead of submitting")
	binary := fs.String("isonet", "", "absolute path of the isonet binary the jobs run (default: this one)")
	signalBefore := fs.Int("signal-before", 120, "seconds before the time limit at which Slurm sends SIGUSR1 (sbatch --signal=B:USR1@N): the shard saves its progress, exits 75 and is requeued, then resumes (0: no signal, no requeue)")
	f := newReproduceFlags(fs)
	f.what = what
	fs.Lookup("shards").Usage = "number of array tasks (shards) the phases are split into (default 4, or the run's phase groups when fewer)"
	if fs.Parse(args) == nil && fs.NArg() > 0 && !whatGiven {
		// The experiment may follow the submit flags: submit slurm --shards 4 rings --quick.
		what, args = afterReproduce(fs.Arg(0), fs.Args()[1:])
		f.what = what
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	shards := f.shards
	if !isSet(fs, "shards") {
		*shards = 4
	}
	for _, name := range []string{"plan", "json", "shard", "merge", "allow-mixed-versions"} {
		if isSet(fs, name) {
			return fmt.Errorf("--%s is set by submit itself (the array runs --shard I/N, the merge job --merge)", name)
		}
	}
	if *shards < 1 {
		return fmt.Errorf("--shards must be ≥ 1, got %d", *shards)
	}
	env, opts, err := f.options(stderr)
	if err != nil {
		return err
	}
	if !isSet(fs, "shards") { // the default 4, or fewer when the run has fewer groups
		groups, _, err := phaseGroups(ctx, env, opts)
		if err != nil {
			return err
		}
		*shards = min(*shards, groups)
	}
	if err := checkShardCount(ctx, env, opts, fmt.Sprintf("--shards %d", *shards), *shards); err != nil {
		return err
	}
	exe := *binary
	if exe == "" {
		p, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find this isonet binary (%v); give --isonet PATH", err)
		}
		exe = p
	}
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("--isonet %s: give an absolute path (the jobs may start in another folder)", exe)
	}
	if fi, err := os.Stat(exe); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("--isonet %s is not an executable file", exe)
	}
	out, err := filepath.Abs(*f.out)
	if err != nil {
		return fmt.Errorf("--out %s: %v", *f.out, err)
	}
	// The flags passed on to reproduce, in a fixed (sorted) order, with
	// --out made absolute.
	passed := []string{what}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "shards", "partition", "time", "dry-run", "isonet", "out", "signal-before":
			return
		}
		passed = append(passed, "--"+fl.Name+"="+fl.Value.String())
	})
	passed = append(passed, "--out="+out)
	slurmDir := filepath.Join(out, "slurm")
	reproduceCmd := shellQuote(exe) + " reproduce " + shellJoin(passed)
	// The merge gets the same flags: with --force it replaces a report of
	// other settings (and still computes nothing).
	mergeCmd := shellQuote(exe) + " reproduce " + shellJoin(passed)
	if err := scriptSafe(*f.out, out, exe, passed); err != nil {
		return err
	}
	if *signalBefore < 0 {
		return fmt.Errorf("--signal-before must be ≥ 0 seconds, got %d", *signalBefore)
	}
	// The logs: Slurm puts the array job id for %A, the task for %a, the
	// job id for %j.
	shardLog := sbatchPath(slurmDir+"/shard-") + "%A_%a.out"
	mergeLog := sbatchPath(slurmDir+"/merge-") + "%j.out"
	signalLines := ""
	if *signalBefore > 0 {
		// Slurm sends SIGUSR1 to the batch shell this long before the time
		// limit; the shell passes it to isonet, which saves its progress
		// and exits 75; the shell then requeues the task, which resumes.
		signalLines = fmt.Sprintf("#SBATCH --signal=B:USR1@%d\n#SBATCH --requeue\n#SBATCH --open-mode=append\n", *signalBefore)
	}
	shardScript := fmt.Sprintf(`#!/bin/bash
# isonet reproduce, sharded: array task I computes shard I/%[1]d into the shared folder
# %[2]s
#SBATCH --job-name=isonet-shards
#SBATCH --output=%[3]s
%[5]sset -uo pipefail
%[4]s --shard "${SLURM_ARRAY_TASK_ID}/%[1]d" &
pid=$!
# SIGUSR1 (--signal, before the time limit) goes on to isonet, which saves
# its progress and exits %[6]d; the task is then requeued and resumes.
trap 'kill -USR1 "$pid" 2>/dev/null' USR1
status=0
while :; do
	wait "$pid" && status=0 || status=$?
	kill -0 "$pid" 2>/dev/null || break
done
if [ "$status" -eq %[6]d ] && [ -n "${SLURM_ARRAY_JOB_ID:-}" ]; then
	echo "isonet: progress saved before the time limit; requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" >&2
	scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
fi
exit "$status"
`, *shards, shellComment(out), shardLog, reproduceCmd, signalLines, exitTimeLimit)
	mergeScript := fmt.Sprintf(`#!/bin/bash
# isonet reproduce: the report from the %[1]d shards' phases in the folder
# %[2]s
#SBATCH --job-name=isonet-merge
#SBATCH --output=%[3]s
set -euo pipefail
exec %[4]s --merge --shards %[1]d
`, *shards, shellComment(out), mergeLog, mergeCmd)
	var common []string
	if *partition != "" {
		common = append(common, "--partition="+*partition)
	}
	if *timeLimit != "" {
		common = append(common, "--time="+*timeLimit)
	}
	shardPath, mergePath := filepath.Join(slurmDir, "shards.sbatch"), filepath.Join(slurmDir, "merge.sbatch")
	arrayArgs := append(append([]string{"--parsable", fmt.Sprintf("--array=0-%d", *shards-1)}, common...), shardPath)
	mergeArgs := func(job string) []string {
		return append(append([]string{"--parsable", "--dependency=afterok:" + job}, common...), mergePath)
	}
	if err := checkReproduceOut(*f.out); err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprintf(stdout, "# %s\n%s\n# %s\n%s\n", shardPath, shardScript, mergePath, mergeScript)
		fmt.Fprintf(stdout, "# would run:\nsbatch %s\nsbatch %s\n", shellJoin(arrayArgs), shellJoin(mergeArgs("ARRAY_JOB_ID")))
		return nil
	}
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return errors.New("sbatch not found: is this a Slurm login node? (--dry-run prints the scripts)")
	}
	written, err := prepareReproduceOut(out)
	if err != nil {
		return err
	}
	defer written()
	if err := os.MkdirAll(slurmDir, 0o755); err != nil {
		return err
	}
	for p, s := range map[string]string{shardPath: shardScript, mergePath: mergeScript} {
		if err := atomicfile.WriteFile(p, []byte(s)); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	arrayJob, err := sbatchRun(ctx, sbatch, arrayArgs)
	if err != nil {
		return err
	}
	mergeJob, err := sbatchRun(ctx, sbatch, mergeArgs(arrayJob))
	if err != nil {
		return fmt.Errorf("%v (the shards, job %s, were submitted; cancel them with scancel %s, or submit the merge yourself: sbatch %s)", err, arrayJob, arrayJob, shellJoin(mergeArgs(arrayJob)))
	}
	fmt.Fprintf(stdout, "shards: job %s (array 0-%d, logs %s/shard-JOB_I.out)\nmerge: job %s (after every shard succeeds, log %s/merge-JOB.out)\nreport: %s/index.html once job %s is done\n",
		arrayJob, *shards-1, slurmDir, mergeJob, slurmDir, out, mergeJob)
	return nil
}

// scriptSafe refuses what cannot be written safely into a batch script:
// a newline, carriage return or NUL in the output folder (given as given,
// absolute as abs), the binary's path or a flag passed on (a newline
// would end the #SBATCH line or the comment, and what follows would run as
// a command), and a backslash in the output folder, which would turn off
// Slurm's %A/%a patterns in the log file names.
func scriptSafe(given, abs, exe string, passed []string) error {
	bad := func(s string) bool { return strings.ContainsAny(s, "\n\r\x00") }
	switch {
	case bad(abs):
		return fmt.Errorf("--out %q: a folder name with a newline, carriage return or NUL cannot be written safely into a batch script; rename it", given)
	case strings.Contains(abs, `\`):
		return fmt.Errorf("--out %q: a folder name with a backslash turns off Slurm's %%A/%%a log file patterns; rename it", given)
	case bad(exe):
		return fmt.Errorf("--isonet %q: a path with a newline, carriage return or NUL cannot be written safely into a batch script", exe)
	}
	for _, a := range passed {
		if bad(a) {
			return fmt.Errorf("%q: a value with a newline, carriage return or NUL cannot be written safely into a batch script", a)
		}
	}
	return nil
}

// sbatchPath writes path for an #SBATCH option line, as sbatch reads it:
// sbatch splits the line at blanks (even a blank after a backslash),
// groups quoted text, takes a backslash as escaping the next character
// and, outside quotes, an unescaped # as starting a comment. So the path
// is written in double quotes (when it holds any of those), with " and \
// escaped; and since Slurm expands %-patterns in file names, each % of
// the path is written %%.
func sbatchPath(path string) string {
	if !strings.ContainsFunc(path, func(r rune) bool { return r == '"' || r == '\'' || r == '\\' || r == '#' || unicode.IsSpace(r) }) {
		return strings.ReplaceAll(path, "%", "%%")
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		switch r {
		case '%':
			b.WriteString("%%")
			continue
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// shellComment makes s safe on a comment line of a script (scriptSafe has
// refused newlines): it is printed as Go would quote it when it holds
// anything unusual.
func shellComment(s string) string {
	if strconv.Quote(s) == `"`+s+`"` {
		return s
	}
	return strconv.Quote(s)
}

var jobID = regexp.MustCompile(`^([0-9]+)(;.*)?$`)

// sbatchRun runs sbatch --parsable … and returns the job id it prints.
func sbatchRun(ctx context.Context, sbatch string, args []string) (string, error) {
	var so, se bytes.Buffer
	cmd := exec.CommandContext(ctx, sbatch, args...)
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sbatch %s: %v: %s", shellJoin(args), err, strings.TrimSpace(se.String()))
	}
	m := jobID.FindStringSubmatch(strings.TrimSpace(so.String()))
	if m == nil {
		return "", fmt.Errorf("sbatch %s printed %q, not a job id", shellJoin(args), strings.TrimSpace(so.String()))
	}
	return m[1], nil
}

// shellQuote quotes s for bash when it holds anything but safe characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,@+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// afterReproduce lets the command read as the one it submits: in
// `submit slurm reproduce mnist --quick` the word reproduce is skipped and
// the experiment follows it (all when none does).
func afterReproduce(what string, args []string) (string, []string) {
	if what != "reproduce" {
		return what, args
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "all", args
}
