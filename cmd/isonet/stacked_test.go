package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/stacked"
)

// hier2CSV generates examples/hier2.csv: 200 points in the plane with a
// 2-level hierarchy — ring (inner: radius 0.2–1, outer: radius 1.6–2.4),
// then ring and side (x < 0 left, else right). Set ISONET_WRITE_EXAMPLES=1
// to rewrite the file from it.
func hier2CSV() []byte {
	rng := rand.New(rand.NewPCG(2, 2^0x9e3779b97f4a7c15))
	var b bytes.Buffer
	b.WriteString("x,y,ring,part\n")
	for i := range 200 {
		ring, r := "inner", 0.2+0.8*rng.Float64()
		if i%2 == 1 {
			ring, r = "outer", 1.6+0.8*rng.Float64()
		}
		a := 2 * math.Pi * rng.Float64()
		x, y := r*math.Cos(a), r*math.Sin(a)
		side := "right"
		if x < 0 {
			side = "left"
		}
		fmt.Fprintf(&b, "%.3f,%.3f,%s,%s-%s\n", x, y, ring, ring, side)
	}
	return b.Bytes()
}

const hier2Path = "../../examples/hier2.csv"

// TestHier2File: the example file is what its generator writes.
func TestHier2File(t *testing.T) {
	want := hier2CSV()
	if os.Getenv("ISONET_WRITE_EXAMPLES") != "" {
		if err := os.WriteFile(hier2Path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(hier2Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("examples/hier2.csv differs from hier2CSV() (rerun with ISONET_WRITE_EXAMPLES=1)")
	}
}

// TestHier2Example runs the README's 2-level example exactly as written,
// from a folder holding examples/hier2.csv, and checks what it prints.
func TestHier2Example(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "examples"), 0o755)
	b, err := os.ReadFile(hier2Path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "examples", "hier2.csv"), b, 0o644)
	t.Chdir(dir)

	// The README's commands, split into words.
	trainCmd := "isonet train --dataset csv:examples/hier2.csv --label-cols 2,3 --stacked --beta 1 --batch 200 --epochs 1000 --out hier2-model"
	evalCmd := "isonet eval --model hier2-model"
	code, stdout, stderr := isonet(t, strings.Fields(trainCmd)[1:]...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", trainCmd, code, stderr)
	}
	t.Logf("%s\n%s", trainCmd, stdout)
	re := regexp.MustCompile(`(?m)^level (\d) \((\d) classes\): train accuracy ([0-9.]+), test accuracy ([0-9.]+)$`)
	lines := re.FindAllStringSubmatch(stdout, -1)
	if len(lines) != 2 || lines[0][2] != "2" || lines[1][2] != "4" {
		t.Fatalf("want a line for level 0 (2 classes) and level 1 (4 classes):\n%s", stdout)
	}
	testAcc := make([]float64, 2)
	for lv, l := range lines {
		testAcc[lv], _ = strconv.ParseFloat(l[4], 64)
		if testAcc[lv] < 0.95 {
			t.Errorf("level %d: test accuracy %v < 0.95", lv, testAcc[lv])
		}
	}
	if !strings.Contains(stdout, "2 blocks (a classifier per level)") {
		t.Errorf("no summary line:\n%s", stdout)
	}

	code, stdout, stderr = isonet(t, strings.Fields(evalCmd)[1:]...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", evalCmd, code, stderr)
	}
	t.Logf("%s\n%s", evalCmd, stdout)
	for lv, c := range []int{2, 4} {
		want := fmt.Sprintf("  %-6d %8d %9.4f\n", lv, c, testAcc[lv])
		if !strings.Contains(stdout, want) {
			t.Errorf("eval does not print level %d's test accuracy as train did (%q):\n%s", lv, want, stdout)
		}
	}
	if !strings.Contains(stdout, "40 examples of hier2") {
		t.Errorf("eval did not use the 40-example test split:\n%s", stdout)
	}

	code, stdout, _ = isonet(t, "eval", "--model", "hier2-model", "--json")
	var ev stacked.Eval
	if code != 0 || json.Unmarshal([]byte(stdout), &ev) != nil || len(ev.Blocks) != 2 || len(ev.Blocks[1].PerClass) != 4 {
		t.Fatalf("eval --json: exit %d, %d blocks:\n%s", code, len(ev.Blocks), stdout)
	}
	for k, bl := range ev.Blocks {
		if bl.Level != k || !(bl.All.Pearson > 0.9) {
			t.Errorf("block %d: level %d, Pearson r %v (want > 0.9 with β = 1)", k, bl.Level, bl.All.Pearson)
		}
	}
	m, err := model.Load("hier2-model")
	if err != nil || len(m.Blocks) != 2 || m.Config.Blocks[1].InputLayer != 4 || m.Config.Blocks[1].Sizes[0] != 20 {
		t.Fatalf("saved model: %v, %+v", err, m.Config)
	}
}

// TestStackedTorusCLI: a short torus stack trains, writes three blocks,
// and eval reports three levels and three blocks; the same seed gives the
// same file; --shared-head and --levels change what they should.
func TestStackedTorusCLI(t *testing.T) {
	dir := t.TempDir()
	args := func(out string, extra ...string) []string {
		return append([]string{"train", "--dataset", "torus", "--stacked", "--epochs", "20", "--width", "6", "--quiet", "--seed", "3", "--out", filepath.Join(dir, out)}, extra...)
	}
	for _, c := range []struct {
		out   string
		extra []string
	}{{"a", nil}, {"b", nil}, {"tree", []string{"--levels", "0,0,1,1/0,0,1,1,2,2,3,3"}}, {"shared", []string{"--shared-head"}}} {
		code, stdout, stderr := isonet(t, args(c.out, c.extra...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.out, code, stderr)
		}
		if n := strings.Count(stdout, "\nlevel ") + strings.Count(stdout[:6], "level"); n != 3 {
			t.Errorf("%s: %d level lines:\n%s", c.out, n, stdout)
		}
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name, model.WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read("a"), read("b")) || !bytes.Equal(read("a"), read("tree")) || !bytes.Equal(read("a"), read("shared")) {
		t.Error("same seed, same levels: weights differ (a shared head changes prediction only, not training)")
	}
	m, err := model.Load(filepath.Join(dir, "a"))
	if err != nil || len(m.Blocks) != 3 || m.Config.SharedHead {
		t.Fatalf("load: %v", err)
	}
	ms, _ := model.Load(filepath.Join(dir, "shared"))
	if !ms.Config.SharedHead {
		t.Error("--shared-head not recorded in config.json")
	}
	code, stdout, stderr := isonet(t, "eval", "--model", filepath.Join(dir, "shared"))
	if code != 0 || !strings.Contains(stdout, "3 blocks (shared head") || strings.Count(stdout, " all ") != 3 {
		t.Fatalf("eval shared: exit %d %s\n%s", code, stderr, stdout)
	}
}

// TestStackedBadInput: bad hierarchies and CSV files give one-line errors
// and exit status 2, leaving no model folder behind.
func TestStackedBadInput(t *testing.T) {
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	nonRefining := write("nonref.csv", "1,2,a,x\n2,3,a,y\n3,4,b,y\n4,5,b,z\n5,6,a,x\n")
	short := write("short.csv", "1,2,a,x\n2,3,a\n3,4,b,y\n")
	emptyLabel := write("empty.csv", "1,2,a,x\n2,3,,y\n3,4,b,y\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"non-refining level", []string{"--dataset", "csv:" + nonRefining, "--label-cols", "2,3"}, `label level 1 does not refine level 0: its class "y" has examples in level-0 classes "a" and "b"`},
		{"label column shorter", []string{"--dataset", "csv:" + short, "--label-cols", "2,3"}, "line 2: 3 fields, want 4"},
		{"empty label", []string{"--dataset", "csv:" + emptyLabel, "--label-cols", "2,3"}, "empty label"},
		{"one level", []string{"--dataset", "rings"}, "at least 2"},
		{"bad tree", []string{"--dataset", "torus", "--levels", "0,0,1,1/0,9"}, "--levels"},
		{"tree too small", []string{"--dataset", "torus", "--levels", "0,1"}, "class 2"},
		{"resume", []string{"--dataset", "torus", "--resume", "x"}, "not supported with --stacked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(tmp, "out-"+strings.ReplaceAll(c.name, " ", "_"))
			args := append([]string{"train", "--stacked", "--quiet", "--epochs", "2", "--out", out}, c.args...)
			code, _, stderr := isonet(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("output folder %s left behind", out)
			}
		})
	}
	code, _, stderr := isonet(t, "train", "--dataset", "torus", "--shared-head", "--epochs", "2", "--out", filepath.Join(tmp, "x"))
	if code != 2 || !strings.Contains(stderr, "need --stacked") {
		t.Errorf("--shared-head alone: exit %d, %q", code, stderr)
	}
}
