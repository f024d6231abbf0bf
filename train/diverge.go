package train

import (
	"fmt"
	"strings"
)

// divergedAdvice returns the advice a divergence of a run under c ends
// with: the settings whose values may have made the numbers overflow, as
// {Field} names (internal/field). The LIL objective names {LR} and {Beta};
// a baseline names its own weight first, with its value ("try a smaller
// {JacLambda} (the Jacobian penalty's weight, 1e+30 here) or {LR}"), then
// {Beta} when the isometric term is added to it, then {LR}.
func (c Config) divergedAdvice() string {
	var names []string
	switch c.Method {
	case "", MethodLIL:
		return "try a smaller {LR} or {Beta}"
	case MethodJacobian:
		names = append(names, fmt.Sprintf("{JacLambda} (the Jacobian penalty's weight, %g here)", c.JacLambda))
	case MethodTrades:
		names = append(names, fmt.Sprintf("{TradesBeta} (the KL term's weight, %g here)", c.TradesBeta))
	case MethodSpecNorm:
		if c.SpecScale > 1 {
			names = append(names, fmt.Sprintf("{SpecScale} (the logits' scale, %g here)", c.SpecScale))
		}
	}
	if c.Beta > 0 {
		names = append(names, "{Beta}")
	}
	names = append(names, "{LR}")
	return "try a smaller " + strings.Join(names, " or ")
}
