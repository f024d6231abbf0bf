package main

import (
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ringsModel trains a small rings model (β = 1, 40 epochs) into a
// temporary folder.
func ringsModel(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m")
	code, _, stderr := isonet(t, "train", "--dataset", "rings", "--beta", "1", "--epochs", "40", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("train failed (%d): %s", code, stderr)
	}
	return out
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 200 {
		t.Errorf("%s: %v pixels", path, b)
	}
	if _, err := os.Stat(strings.TrimSuffix(path, ".png") + ".svg"); err != nil {
		t.Error(err)
	}
}

// TestEmbedFiles: the CSV has a header and one row per embedded point with
// finite coordinates and the point's ring label, and the PNG decodes.
func TestEmbedFiles(t *testing.T) {
	m := ringsModel(t)
	cases := []struct {
		args []string
		rows int
		dims int
	}{
		{[]string{"--method", "umap", "--points", "150", "--neighbors", "15"}, 150, 2},
		{[]string{"--method", "pca", "--dims", "3", "--layer", "0"}, 1000, 3},
		{[]string{"--method", "pca", "--layer", "5", "--points", "99"}, 99, 2},
	}
	for i, c := range cases {
		base := filepath.Join(t.TempDir(), "sub", "emb"+strconv.Itoa(i))
		os.Mkdir(filepath.Dir(base), 0o755) // a missing parent folder is refused
		args := append([]string{"embed", "--model", m, "--out", base}, c.args...)
		code, stdout, stderr := isonet(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		if !strings.Contains(stdout, "trustworthiness") {
			t.Errorf("%v: stdout %q", c.args, stdout)
		}
		checkPNG(t, base+".png")
		f, err := os.Open(base + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != c.rows+1 {
			t.Fatalf("%v: %d CSV rows, want %d points + header", c.args, len(recs)-1, c.rows)
		}
		if len(recs[0]) != c.dims+3 || recs[0][0] != "index" || recs[0][c.dims+1] != "label" {
			t.Errorf("%v: header %v", c.args, recs[0])
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			for _, s := range r[1 : 1+c.dims] {
				if v, err := strconv.ParseFloat(s, 64); err != nil || v != v {
					t.Fatalf("%v: bad coordinate %q", c.args, s)
				}
			}
			idx, _ := strconv.Atoi(r[0])
			// data.Rings puts ring A (label 0) first, ring B after 500 points.
			want := "0"
			if idx >= 500 {
				want = "1"
			}
			if r[c.dims+1] != want || seen[r[0]] {
				t.Fatalf("%v: row %v: label %s (want %s) or repeated index", c.args, r, r[c.dims+1], want)
			}
			seen[r[0]] = true
		}
	}
}

// TestEmbedDeterministic: same seed, same CSV.
func TestEmbedDeterministic(t *testing.T) {
	m := ringsModel(t)
	var files [2][]byte
	for i := range files {
		base := filepath.Join(t.TempDir(), "e")
		if code, _, stderr := isonet(t, "embed", "--model", m, "--points", "120", "--neighbors", "10", "--seed", "4", "--out", base); code != 0 {
			t.Fatal(stderr)
		}
		files[i], _ = os.ReadFile(base + ".csv")
	}
	if string(files[0]) != string(files[1]) || len(files[0]) == 0 {
		t.Error("two runs with seed 4 wrote different coordinates")
	}
}

func TestGeometryFiles(t *testing.T) {
	m := ringsModel(t)
	out := filepath.Join(t.TempDir(), "g")
	code, stdout, stderr := isonet(t, "geometry", "--model", m, "--out", out, "--neighbors", "5", "--max-points", "300")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkPNG(t, filepath.Join(out, "within_class.png"))
	checkPNG(t, filepath.Join(out, "between_class.png"))
	b, err := os.ReadFile(filepath.Join(out, "geometry.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Layer  int `json:"layer"`
		Result struct {
			Points int `json:"points"`
			Within []struct {
				Class int     `json:"class"`
				N     int     `json:"points"`
				Pairs int     `json:"pairs"`
				R     float64 `json:"pearson_r"`
			} `json:"within_class"`
			Lipschitz struct {
				Points, Pairs, Neighbors int
				Max, P50, P90, P99       float64
			} `json:"lipschitz"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Result
	if rep.Layer != 4 || r.Points != 1000 || len(r.Within) != 2 {
		t.Fatalf("layer %d, %d points, %d classes; want 4, 1000, 2", rep.Layer, r.Points, len(r.Within))
	}
	for _, w := range r.Within {
		if w.N != 500 || w.Pairs != 500*499/2 || !(w.R > -1 && w.R <= 1) {
			t.Errorf("class %d: %+v", w.Class, w)
		}
	}
	lp := r.Lipschitz
	if lp.Points != 300 || lp.Neighbors != 5 || lp.Pairs != 1500 || !(lp.P50 <= lp.P90 && lp.P90 <= lp.P99 && lp.P99 <= lp.Max && lp.P50 > 0) {
		t.Errorf("Lipschitz %+v", lp)
	}
	if !strings.Contains(stdout, "pearson_r") || !strings.Contains(stdout, "Lipschitz") {
		t.Errorf("stdout %q", stdout)
	}
}

// TestGeometryBadInput: each mistake is one line on stderr and exit 2, and
// nothing is written.
func TestGeometryBadInput(t *testing.T) {
	m := ringsModel(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "x")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"embed", "--model", m, "--method", "tsne", "--out", base}, `unknown method "tsne"`},
		{[]string{"embed", "--model", m, "--dims", "4", "--out", base}, "dims must be 2 or 3"},
		{[]string{"embed", "--model", m, "--dims", "1", "--out", base}, "dims must be 2 or 3"},
		{[]string{"embed", "--model", m, "--neighbors", "50", "--points", "50", "--out", base}, "neighbors = 50 must be below the number of points (50)"},
		{[]string{"embed", "--model", m, "--neighbors", "1000", "--out", base}, "below the number of points (1000)"},
		{[]string{"embed", "--model", m, "--layer", "6", "--out", base}, "layer 6 out of range 0..5"},
		{[]string{"embed", "--model", m, "--layer", "-1", "--out", base}, "layer -1 out of range 0..5"},
		{[]string{"embed", "--model", m}, "--out BASE is required"},
		{[]string{"embed", "--out", base}, "--model DIR is required"},
		{[]string{"embed", "--model", filepath.Join(dir, "nope"), "--out", base}, "nope"},
		{[]string{"geometry", "--model", m, "--layer", "9", "--out", dir}, "layer 9 out of range 0..5"},
		{[]string{"geometry", "--model", m, "--neighbors", "1000", "--out", dir}, "neighbors = 1000 must be below the number of points (1000)"},
		{[]string{"geometry", "--model", m, "--neighbors", "0", "--out", dir}, "--neighbors must be ≥ 1"},
		{[]string{"geometry", "--model", m}, "--out DIR is required"},
	}
	for _, c := range cases {
		code, _, stderr := isonet(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, stderr, c.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("bad input left files: %v", ents)
	}
}
