package model

import "github.com/isonet/isonet/certify"

// CertifyNetwork returns m as the chain of affine layers and activations
// that package certify bounds: its MLP, or for a stacked model its blocks
// chained as Forward feeds them (block k > 0 reading layer
// Config.Blocks[k].InputLayer of block k−1).
func (m *Model) CertifyNetwork() (*certify.Network, error) {
	if !m.Stacked() {
		return certify.FromMLP(m.Net())
	}
	var in []int
	for _, b := range m.Config.Blocks[1:] {
		in = append(in, b.InputLayer)
	}
	return certify.Stack(m.Blocks, in)
}
