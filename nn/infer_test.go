package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// TestAccuracyHandComputed checks Accuracy on a one-layer network whose
// logits are its inputs, so each row's class is its arg-max column.
func TestAccuracyHandComputed(t *testing.T) {
	m, err := NewMLP([]int{3, 3}, Tanh, InitPyTorch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m.Layers[0].W.Data[i*3+i] = 1 // identity weights, zero bias
	}
	x := tensor.FromSlice(4, 3, []float32{
		1, 0, 0, // class 0
		0, 2, 1, // class 1
		0, 1, 5, // class 2
		3, 3, 0, // tie: the first, class 0
	})
	if got, want := Predict(m, x), []int{0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Fatalf("Predict = %v, want %v", got, want)
	}
	if got := Accuracy(m, x, []int{0, 1, 1, 2}); got != 0.5 {
		t.Errorf("Accuracy = %g, want 0.5 (rows 0 and 1 right)", got)
	}
}

// TestBatchedInferenceMatchesOneRow checks that Predict and Representation,
// which evaluate inferBatch rows at a time, give for a set of more than two
// batches the values a one-row forward pass gives for each row.
func TestBatchedInferenceMatchesOneRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, err := NewMLP([]int{5, 7, 6, 4}, Tanh, InitPyTorch, rng)
	if err != nil {
		t.Fatal(err)
	}
	n := 2*inferBatch + 37
	x := tensor.New(n, 5)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	pred := Predict(m, x)
	reps := make([]*tensor.Mat, len(m.Layers)+1)
	for l := range reps {
		reps[l] = Representation(m, x, l)
	}
	ws := m.NewWorkspace()
	one := make([]int, 1)
	for i := range n {
		xi := rows(x, i, i+1)
		m.Predict(ws, one, xi)
		if pred[i] != one[0] {
			t.Fatalf("row %d: Predict %d, one-row forward %d", i, pred[i], one[0])
		}
		for l, rep := range reps {
			if rep.Rows != n || rep.Cols != ws.H[l].Cols {
				t.Fatalf("layer %d: Representation is %d×%d, want %d×%d", l, rep.Rows, rep.Cols, n, ws.H[l].Cols)
			}
			for j, v := range ws.H[l].Data {
				if got := rep.Row(i)[j]; got != v {
					t.Fatalf("row %d, layer %d, column %d: Representation %g, one-row forward %g", i, l, j, got, v)
				}
			}
		}
	}
}
