package geometry

import (
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
)

// AnalyzeLayer runs Analyze on set's inputs and their representation at
// layer of m, against set's finest labels. A zero o.K is taken from the
// model at its isometric layer (the K it was trained with) and is 1 at any
// other layer, where K has no meaning.
func AnalyzeLayer(m *model.Model, set *data.Set, layer int, o Options) (*Result, error) {
	phi, err := m.Representation(set.X, layer)
	if err != nil {
		return nil, err
	}
	if o.K == 0 && layer == m.IsoLayer() {
		o.K = m.IsoScale()
	}
	return Analyze(set.X, phi, set.Y(), o)
}
