package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/isonet/isonet/model"
)

// Bad input about which data a model was trained on (issue 12 §2, issue 18
// §3, §4, §8): named data sets, CSV formats, a model's recorded data and
// split, and its classes.
func init() {
	errorTables = append(errorTables, errorTable{fixtures: dataFixtures, cases: dataCases})
}

// dataFixtures writes the CSV files and model folders dataCases use, in the
// folder errorFixtures made (which holds the rings model m and the IDX
// folder idx).
func dataFixtures(t *testing.T) {
	t.Helper()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// No Fashion-MNIST here, whatever the machine has.
	t.Setenv("ISONET_FASHION_MNIST_DIR", "no-fashion")
	write("semi.csv", "x;y;label\n1;2;a\n3;4;b\n")
	write("tab.csv", "x\ty\tlabel\n1\t2\ta\n3\t4\tb\n")
	write("hex.csv", "x,y,label\n1,2,a\n0x1p3,4,b\n")
	var cd, cdm strings.Builder
	for i := range 20 {
		fmt.Fprintf(&cd, "%d,%d,%d,%d,%s\n", i, i%3, i%5, i%7, []string{"cat", "dog"}[i%2])
	}
	write("cd4.csv", cd.String())
	cdm.WriteString(cd.String())
	write("cdm.csv", cdm.String())
	write("bird.csv", "1,2,3,4,cat\n5,6,7,8,bird\n9,0,1,2,fish\n3,4,5,6,bird\n")
	for _, args := range [][]string{
		{"--dataset", "csv:cd4.csv", "--epochs", "2", "--width", "3", "--depth", "1", "--out", "mcd"},
		{"--dataset", "csv:cdm.csv", "--epochs", "2", "--width", "3", "--depth", "1", "--out", "mcm"},
	} {
		if code, _, stderr := isonet(t, append([]string{"train", "--quiet"}, args...)...); code != 0 {
			t.Fatalf("fixture %v: %s", args, stderr)
		}
	}
	write("cdm.csv", cdm.String()+"1,1,1,1,cat\n") // a row added after training
	// Model folders whose config.json is edited: data from a pipe, class
	// counts that disagree with the network or the class names.
	cfg, err := os.ReadFile("mcd/config.json")
	if err != nil {
		t.Fatal(err)
	}
	weights, _ := os.ReadFile("mcd/model.safetensors")
	edited := func(name string, edit func(c *model.Config)) {
		t.Helper()
		c, err := model.ParseConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		edit(&c)
		os.Mkdir(name, 0o755)
		write(name+"/model.safetensors", string(weights))
		if err := model.WriteJSON(name+"/config.json", c); err != nil {
			t.Fatal(err)
		}
	}
	edited("mpipe", func(c *model.Config) { c.Data.Path, c.Data.Given, c.Data.NotRegular = "/dev/fd/63", "/dev/fd/63", true })
	edited("m-classes", func(c *model.Config) { c.Classes = []int{3} })
	edited("m-names", func(c *model.Config) { c.Data.ClassNames = [][]string{{"cat", "dog", "eel"}} })
}

var dataCases = []errorCase{
	// Named data sets.
	{"Fashion-MNIST not installed", []string{"train", "--dataset", "fashion-mnist", "--out", "o"}, `isonet train: fashion-mnist: no-fashion not found; install it (apt-get install dataset-fashion-mnist) or pass --data-dir DIR (a folder holding its four IDX files)`},
	{"Fashion-MNIST folder without its files", []string{"train", "--dataset", "fashion-mnist", "--data-dir", "idx-missing", "--out", "o"}, `isonet train: fashion-mnist: idx-missing: no train-images-idx3-ubyte file (looked for train-images-idx3-ubyte.gz, train-images-idx3-ubyte, train-images.idx3-ubyte.gz, train-images.idx3-ubyte)`},
	{"Fashion-MNIST file not the canonical one", []string{"train", "--dataset", "fashion-mnist", "--data-dir", "idx", "--out", "o"}, `isonet train: fashion-mnist: idx/train-images-idx3-ubyte: content sha256 183d2255f35356cbb024aba0b66ef5ac31ba5c4fd34cf32698106586f4fa98ef, want c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888: the file is damaged or not the canonical one; reinstall dataset-fashion-mnist, or use --dataset mnist --data-dir idx to read it unchecked`},

	// CSV formats.
	{"CSV delimited by ';'", []string{"train", "--dataset", "csv:semi.csv", "--out", "o"}, `isonet train: csv: semi.csv: line 1: one field per line, holding ';': the file seems to be ';'-delimited, but isonet reads comma-separated values; convert it (e.g. tr ';' ',' < FILE > FILE.csv, minding decimal commas)`},
	{"CSV delimited by tabs", []string{"train", "--dataset", "csv:tab.csv", "--out", "o"}, `isonet train: csv: tab.csv: line 1: one field per line, holding tab: the file seems to be tab-delimited, but isonet reads comma-separated values; convert it (e.g. tr '\t' ',' < FILE > FILE.csv, minding decimal commas)`},
	{"CSV hex float", []string{"train", "--dataset", "csv:hex.csv", "--out", "o"}, `isonet train: csv: hex.csv: line 3, column 1: not a number: "0x1p3"`},

	// A model's recorded data.
	{"label not among the model's classes", []string{"eval", "--model", "mcd", "--dataset", "csv:bird.csv"}, `isonet eval: csv: bird.csv: label level 0 (column 5): labels not among the model's classes: "bird" (line 2), "fish" (line 3); the model knows "cat", "dog"`},
	{"--test-frac contradicts the recorded split", []string{"eval", "--model", "mcd", "--test-frac", "0.5"}, `isonet eval: --test-frac 0.5 disagrees with the split recorded at training (test fraction 0.2, split seed 0, 4 held-out rows of 20); omit --test-frac to evaluate exactly the held-out rows`},
	{"--test-frac for a set with a fixed split", []string{"attack", "--model", "m", "--test-frac", "0.5"}, `isonet attack: --test-frac is for csv: data sets; rings has a fixed test split`},
	{"CSV rows changed since training", []string{"eval", "--model", "mcm"}, `isonet eval: csv: cdm.csv: the held-out rows are not those recorded at training (the file has 21 data rows, 20 at training; held-out rows sha256 059c8a5438db, at training a6ae9ce9b4a2): the file changed, and scoring it could score training rows`},
	{"model trained on a pipe", []string{"eval", "--model", "mpipe"}, `isonet eval: the model in mpipe was trained on csv /dev/fd/63 (a pipe or other non-regular file), which cannot be read again; pass --dataset csv:PATH to say which file to use`},
	{"data with another class count", []string{"eval", "--model", "mcd", "--dataset", "mnist", "--data-dir", "idx"}, `isonet eval: model mcd has 2 outputs but data set idx-test has 10 classes`},
	{"config.json classes ≠ network outputs", []string{"eval", "--model", "m-classes"}, `isonet eval: model: m-classes/config.json: block 0: 2 outputs, but classes gives 3 classes for its level 0`},
	{"config.json class names ≠ classes", []string{"geometry", "--model", "m-names", "--out", "g"}, `isonet geometry: model: m-names/config.json: data: 3 class names for the finest label level, but classes gives 2 classes`},
}
