package reproduce

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/isonet/isonet/data"
)

// TestDataCacheKey: the process-wide data cache tells apart specs that
// differ only in the CSV test fraction or the label columns (its key used
// to omit both, so a second spec got the first one's split), and two Envs
// loading at once share it without a race (go test -race).
func TestDataCacheKey(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%d,%d,%d\n", i, i%7, i%2, i%3)
	}
	path := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := func(frac float64, cols []int) data.Spec {
		return data.Spec{Name: "csv:" + path, TestFrac: frac, LabelCols: cols}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := (&Env{}).Data(spec(0.2, nil)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	_, te1, err := (&Env{}).Data(spec(0.2, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, te2, err := (&Env{}).Data(spec(0.5, nil))
	if err != nil {
		t.Fatal(err)
	}
	if te1.Len() != 8 || te2.Len() != 20 {
		t.Errorf("test sets of 0.2 and 0.5 of 40 rows: %d and %d rows, want 8 and 20", te1.Len(), te2.Len())
	}
	_, te3, err := (&Env{}).Data(spec(0.2, []int{2}))
	if err != nil {
		t.Fatal(err)
	}
	if te1.NumClasses() != 3 || te3.NumClasses() != 2 {
		t.Errorf("label column 3 (the last) gives %d classes, column 2 %d; want 3 and 2", te1.NumClasses(), te3.NumClasses())
	}
}
