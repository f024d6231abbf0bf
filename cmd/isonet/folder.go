package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/isonet/isonet/reproduce"
)

// checkFolder refuses, before anything is written, a run whose --out
// stores one of its phases with other settings (a run folder keeps one
// setting of each phase), unless --force, which replaces them.
func checkFolder(ctx context.Context, env *reproduce.Env, opts reproduce.Options, out string, force bool) error {
	if force {
		return nil
	}
	err := reproduce.CheckFolder(ctx, env, opts)
	var c *reproduce.SettingsConflictError
	if errors.As(err, &c) {
		return fmt.Errorf("--out %s holds phase %s computed with other settings (a run folder keeps one setting of each phase); choose another --out, or --force to replace them", out, c.Phase)
	}
	return err
}

// checkCorrupt refuses to merge when a stored phase of the plan (in n
// shards) is corrupt, naming the first, why, and the shard to run again.
func checkCorrupt(states []reproduce.PhaseState, n int, out string) error {
	var bad []reproduce.PhaseState
	for _, st := range states {
		if st.Corrupt != "" {
			bad = append(bad, st)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	more := ""
	if len(bad) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(bad)-1)
	}
	return fmt.Errorf("--merge: phase %s in %s is corrupt: %s%s; run shard %d/%d again (it recomputes what is corrupt), then --merge again",
		bad[0].Name, out, bad[0].Corrupt, more, bad[0].Shard, n)
}
