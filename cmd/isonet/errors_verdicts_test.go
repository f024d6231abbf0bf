package main

// Bad input of issue 17 (verdicts, sweeps, flag lists) and issue 18 §7
// (attack defaults): the rows run in errorFixtures' folder (model mi on
// the IDX folder idx, feat2.csv).

func init() {
	errorTables = append(errorTables, errorTable{cases: verdictCases})
}

var verdictCases = []errorCase{
	{"reproduce: seed given twice", []string{"reproduce", "rings", "--seeds", "0,1,0"}, `isonet reproduce: --seeds: seed 0 given twice`},
	{"reproduce: seed twice through a range", []string{"reproduce", "rings", "--seeds", "0-2,1"}, `isonet reproduce: --seeds: seed 1 given twice`},
	{"reproduce: seed range reversed", []string{"reproduce", "rings", "--seeds", "4-0"}, `isonet reproduce: --seeds: "4-0" is not a range lo-hi of non-negative integers with lo ≤ hi`},
	{"reproduce: too many seeds", []string{"reproduce", "rings", "--seeds", "0-5000"}, `isonet reproduce: --seeds: more than 1000 seeds`},
	{"reproduce: β given twice", []string{"reproduce", "mnist", "--betas", "1,0,1"}, `isonet reproduce: --betas: β 1 given twice`},
	{"attack: restarts 0", []string{"attack", "--model", "mi", "--data-dir", "idx", "--attack", "pgd", "--restarts", "0"}, `isonet attack: --restarts must be ≥ 1, got 0`},
	{"attack: sweep with --step", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--step", "0.1"}, `isonet attack: --step does not apply to --sweep: it varies the PGD step size (fgsm, pgd, pgd-paper) or ε (apgd, square, apgd-dlr, apgd-t, fab, fab-t)`},
	{"attack: apgd sweep with --eps", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--attack", "apgd", "--eps", "0.3"}, `isonet attack: --eps does not apply to --sweep --attack apgd: the sweep varies ε`},
	{"attack: square sweep under L2", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--attack", "square", "--norm", "2"}, `isonet attack: --norm 2 is not supported by --attack square (L∞ only)`},
	{"train: test fraction 0", []string{"train", "--dataset", "csv:feat2.csv", "--test-frac", "0", "--out", "o"}, `isonet train: --test-frac 0 would leave no test set (want a fraction in (0, 1), default 0.2)`},
}
