package main

import (
	"errors"
	"strings"

	"github.com/isonet/isonet/internal/field"
)

// flagOf maps a settings field named by a library error (internal/field)
// to the flag that sets it: the library speaks of train.Config.Beta, the
// command line of --beta.
var flagOf = map[string]string{
	// train.Config and train.Spec
	"Alpha": "--alpha", "Beta": "--beta", "K": "--iso-scale", "IsoLayer": "--iso-layer", "Mask": "--mask",
	"Epochs": "--epochs", "Batch": "--batch", "LR": "--lr", "Optimizer": "--optimizer",
	"Method": "--method", "AdvEps": "--adv-eps", "AdvStep": "--adv-step", "AdvSteps": "--adv-steps",
	"JacLambda": "--jacobian-lambda", "LipParam": "--lipschitz", "LipIters": "--bjorck-iters", "LipMargin": "--lipschitz-margin",
	"LipTemp": "--lipschitz-temperature", "TradesBeta": "--trades-beta", "SpecScale": "--specnorm-scale",
	"Width": "--width", "Depth": "--depth", "LogEvery": "--log-every", "Act": "--act", "Init": "--init",
	// data.Spec
	"Name": "--dataset", "Dir": "--data-dir", "TestFrac": "--test-frac", "TrainSubset": "--subset", "TestSubset": "--test-subset",
	"CSVHeader": "--header",
	// attack.Config
	"Attack": "--attack", "Norm": "--norm", "Eps": "--eps", "Steps": "--steps", "Step": "--step",
	"Restarts": "--restarts", "BatchSize": "--batch", "Workers": "--workers", "SquareP": "--square-p",
	"Version": "--version", "FallbackCE": "--fallback-ce", "Lo": "--box", "Hi": "--box",
	// stacked.Spec
	"Tree": "--levels",
	// reproduce.MNISTOptions
	"Betas": "--betas", "Protocols": "--protocol",
	// reproduce.Env.Mode
	"ModeMerge": "--merge",
}

func flagName(f string) string {
	if n, ok := flagOf[f]; ok {
		return n
	}
	return f
}

// message returns err's text with the settings fields a library error
// names replaced by their flags.
func message(err error) string {
	msg := err.Error()
	var fe *field.Error
	if errors.As(err, &fe) {
		msg = strings.Replace(msg, fe.Error(), fe.Render(flagName), 1)
	}
	return msg
}
