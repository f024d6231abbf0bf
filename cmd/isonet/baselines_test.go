package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestTrainBaselines trains each baseline on a tiny IDX set; the model
// folder records the method, and eval of the saved model (for specnorm: the
// effective weights W/σ) reproduces the test accuracy train printed.
func TestTrainBaselines(t *testing.T) {
	dir := mnistDir(t, 40)
	accRE := regexp.MustCompile(`test accuracy ([0-9.]+)`)
	for _, tc := range []struct {
		args []string
		want map[string]any
	}{
		{[]string{"--method", "adv", "--adv-eps", "0.2", "--adv-steps", "3"},
			map[string]any{"method": "adv", "adv_eps": 0.2, "adv_step": 0.05, "adv_steps": 3.0}},
		{[]string{"--method", "jacobian", "--jacobian-lambda", "0.05"}, map[string]any{"method": "jacobian", "jacobian_lambda": 0.05}},
		{[]string{"--method", "specnorm"}, map[string]any{"method": "specnorm"}},
	} {
		out := filepath.Join(t.TempDir(), "m")
		args := append([]string{"train", "--quiet", "--dataset", "mnist", "--data-dir", dir, "--epochs", "40", "--batch", "10",
			"--width", "8", "--lr", "0.01", "--out", out}, tc.args...)
		code, stdout, stderr := isonet(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", tc.args, code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Blocks []struct {
				Train map[string]any `json:"train"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if got := cfg.Blocks[0].Train[k]; got != v {
				t.Errorf("%v: config.json train.%s = %v, want %v", tc.args, k, got, v)
			}
		}
		m := accRE.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("%v: no test accuracy in %q", tc.args, stdout)
		}
		code, evalOut, stderr := isonet(t, "eval", "--model", out, "--data-dir", dir, "--json")
		if code != 0 {
			t.Fatalf("eval: %d %s", code, stderr)
		}
		var ev struct {
			Accuracy float64 `json:"accuracy"`
		}
		if err := json.Unmarshal([]byte(evalOut), &ev); err != nil {
			t.Fatalf("eval JSON: %v in %s", err, evalOut)
		}
		printed, _ := strconv.ParseFloat(m[1], 64)
		if math.Abs(printed-ev.Accuracy) > 5e-5 || printed < 0.9 {
			t.Errorf("%v: train printed test accuracy %s, eval of the saved model %v", tc.args, m[1], ev.Accuracy)
		}
	}
}

// TestTrainBaselineBadInput: bad method flags are one-line errors, exit 2.
func TestTrainBaselineBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--method", "mixup"}, "--method"},
		{[]string{"--adv-eps", "0.2"}, "--adv-eps"},
		{[]string{"--method", "specnorm", "--jacobian-lambda", "1"}, "--jacobian-lambda"},
		{[]string{"--method", "adv", "--adv-eps", "-1"}, "--adv-eps"},
		{[]string{"--method", "adv", "--adv-steps", "0"}, "--adv-steps"},
		{[]string{"--method", "jacobian", "--jacobian-lambda", "NaN"}, "--jacobian-lambda"},
		{[]string{"--method", "adv", "--stacked"}, "--stacked"},
		{[]string{"--method", "adv", "--epochs", "1"}, "[0, 1]"}, // the rings lie outside the unit box
	} {
		out := filepath.Join(t.TempDir(), "m")
		args := append([]string{"train", "--quiet", "--dataset", "rings", "--out", out}, tc.args...)
		code, _, stderr := isonet(t, args...)
		if code != 2 || !strings.Contains(lastLine(stderr), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a line naming %s", tc.args, code, stderr, tc.want)
		}
	}
}

// lastLine is the last non-empty line of s: the error of a failed command.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
