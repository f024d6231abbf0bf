package reproduce

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/train"
)

// TestTrainPhaseRecordsData: a model a phase writes records its data set,
// source, split, checksum and class names exactly as `isonet train`
// records them (data.Spec.Open's provenance), so that `isonet eval
// --model` reads the same data and never says the folder "predates isonet
// recording it" (issue 29 item 6: models written by reproduce had no
// "data" in config.json).
func TestTrainPhaseRecordsData(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "%d,%d,%s\n", i, i%5, []string{"cat", "dog"}[i%2])
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"csv:" + csv, "rings"} {
		spec := train.Spec{Data: data.Spec{Name: name}}.WithDefaults()
		spec.Width, spec.Depth, spec.Train.Epochs, spec.Train.IsoLayer = 3, 1, 2, 1
		spec.Data.Seed, spec.Seed = 7, 7
		e := &Env{Dir: filepath.Join(dir, "run-"+filepath.Base(strings.TrimPrefix(name, "csv:"))), Seeds: []uint64{0}, CheckpointEvery: -1}
		tr, err := TrainPhase(context.Background(), e, "x/train", spec)
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.Load(filepath.Join(e.Dir, tr.Dir))
		if err != nil {
			t.Fatal(err)
		}
		want, err := spec.Data.Open(data.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.Data == nil {
			t.Fatalf("%s: the model in %s records no data set", name, tr.Dir)
		}
		if !reflect.DeepEqual(*m.Config.Data, want.Prov) {
			t.Errorf("%s: the model records\n%+v\nwant (as isonet train)\n%+v", name, *m.Config.Data, want.Prov)
		}
	}
}
