package main

import (
	"flag"
	"strconv"
	"strings"
)

// float32Flags lists, per flag set ("isonet attack"), the flags whose
// positive values are used in float32 and the precision they are used in:
// a value that float32 rounds to 0 (--eps 1e-50 attacks nothing) or to
// infinity is refused by parse, as train's --lr is (checkPositive32). A
// flag holding a comma-separated list has each number checked.
var float32Flags = map[string][]struct{ name, precision string }{
	"isonet attack": {
		{"eps", "the precision the attacks move the inputs in"},
		{"step", "the precision the attacks move the inputs in"},
	},
	"isonet certify": {
		{"eps", "the precision of the bounds' products"},
	},
}

// checkFloat32Flags applies checkPositive32 to fs's float32Flags that were
// given; values that are not numbers are left to the command's own checks.
func checkFloat32Flags(fs *flag.FlagSet) error {
	for _, f := range float32Flags[fs.Name()] {
		if !isSet(fs, f.name) {
			continue
		}
		for _, s := range strings.Split(fs.Lookup(f.name).Value.String(), ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				continue
			}
			if err := checkPositive32("--"+f.name, v, f.precision); err != nil {
				return err
			}
		}
	}
	return nil
}
