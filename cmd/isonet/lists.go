package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxSeeds bounds a --seeds list (ranges included), so that a typo such as
// 0-100000 is refused rather than planned.
const maxSeeds = 1000

// parseSeeds reads a --seeds list: comma-separated non-negative integers
// and ranges lo-hi (both included), e.g. 0-4 or 0,3-5. The seeds come back
// in increasing order; sorted reports whether that differs from the order
// given. A seed given twice is an error.
func parseSeeds(s string) (seeds []uint64, sorted bool, err error) {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, false, fmt.Errorf("--seeds: %q is not a non-negative integer", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, false, fmt.Errorf("--seeds: %q is not a range lo-hi of non-negative integers with lo ≤ hi", part)
			}
		}
		if b-a >= maxSeeds || len(seeds)+int(b-a) >= maxSeeds {
			return nil, false, fmt.Errorf("--seeds: more than %d seeds", maxSeeds)
		}
		for v := a; ; v++ {
			if slices.Contains(seeds, v) {
				return nil, false, fmt.Errorf("--seeds: seed %d given twice", v)
			}
			seeds = append(seeds, v)
			if v == b {
				break
			}
		}
	}
	sorted = !slices.IsSorted(seeds)
	slices.Sort(seeds)
	return seeds, sorted, nil
}

// parseBetas reads a --betas list of numbers. The values come back in
// increasing order; sorted reports whether that differs from the order
// given. A β given twice is an error.
func parseBetas(s string) (betas []float64, sorted bool, err error) {
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			return nil, false, fmt.Errorf("--betas: %q is not a number", part)
		}
		if slices.Contains(betas, v) {
			return nil, false, fmt.Errorf("--betas: β %s given twice", strconv.FormatFloat(v, 'g', -1, 64))
		}
		if err := checkWeight32("--betas: β", v); err != nil {
			return nil, false, err
		}
		betas = append(betas, v)
	}
	sorted = !slices.IsSorted(betas)
	slices.Sort(betas)
	return betas, sorted, nil
}

func joinFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

func joinUints(v []uint64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatUint(x, 10)
	}
	return strings.Join(parts, ",")
}
