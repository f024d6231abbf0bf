package certify

import (
	"fmt"

	"github.com/isonet/isonet/nn"
)

// Layer is one affine layer z = W·h + b of a Network, followed by Act
// (nn.Tanh or nn.ReLU) unless Act is "" (the identity: the logits, or a
// stacked block cut at its logits).
type Layer struct {
	In, Out int
	// W is Out×In, row-major (PyTorch's nn.Linear layout), and B has Out
	// entries; both are float64 copies of the network's float32 weights,
	// so they are exact.
	W, B []float64
	Act  nn.Activation
}

// Network is a feed-forward chain of affine layers and element-wise
// activations, the form every certifier in this package works on. The
// last layer gives the logits and has no activation.
type Network struct {
	Layers []Layer
}

// InputDim returns the number of inputs.
func (n *Network) InputDim() int { return n.Layers[0].In }

// NumClasses returns the number of logits.
func (n *Network) NumClasses() int { return n.Layers[len(n.Layers)-1].Out }

// FromMLP returns the Network of m: its Linear layers with m.Act after
// every layer but the last.
func FromMLP(m *nn.MLP) (*Network, error) {
	return Stack([]*nn.MLP{m}, nil)
}

// Stack returns the Network of a stacked model whose block k > 0 takes as
// input layer inputLayers[k−1] of block k−1 (H[0] the input, H[l] the
// output of layer l after its activation, H[L] the logits), as
// model.Model's forward pass feeds them; the last block runs to its
// logits. inputLayers has len(blocks)−1 entries.
func Stack(blocks []*nn.MLP, inputLayers []int) (*Network, error) {
	if len(blocks) == 0 {
		return nil, fmt.Errorf("certify: no network")
	}
	if len(inputLayers) != len(blocks)-1 {
		return nil, fmt.Errorf("certify: %d blocks need %d input layers, got %d", len(blocks), len(blocks)-1, len(inputLayers))
	}
	net := &Network{}
	for k, m := range blocks {
		if m.Act != nn.Tanh && m.Act != nn.ReLU {
			return nil, fmt.Errorf("certify: unsupported activation %q (want tanh or relu)", m.Act)
		}
		L := len(m.Layers)
		top := L
		if k+1 < len(blocks) {
			top = inputLayers[k]
			if top < 1 || top > L {
				return nil, fmt.Errorf("certify: block %d takes layer %d of block %d, which has layers 1..%d", k+1, top, k, L)
			}
		}
		for l := 0; l < top; l++ {
			lin := m.Layers[l]
			if len(net.Layers) > 0 && net.Layers[len(net.Layers)-1].Out != lin.In {
				return nil, fmt.Errorf("certify: block %d layer %d takes %d inputs, the layer before gives %d", k, l, lin.In, net.Layers[len(net.Layers)-1].Out)
			}
			ly := Layer{In: lin.In, Out: lin.Out, W: make([]float64, lin.In*lin.Out), B: make([]float64, lin.Out)}
			for i, v := range lin.W.Data {
				ly.W[i] = float64(v)
			}
			for i, v := range lin.B.Data {
				ly.B[i] = float64(v)
			}
			if l < L-1 {
				ly.Act = m.Act
			}
			net.Layers = append(net.Layers, ly)
		}
	}
	if err := net.check(); err != nil {
		return nil, err
	}
	return net, nil
}

// check validates n's shapes and activations.
func (n *Network) check() error {
	if len(n.Layers) == 0 {
		return fmt.Errorf("certify: network has no layers")
	}
	for i, l := range n.Layers {
		if l.In < 1 || l.Out < 1 || len(l.W) != l.In*l.Out || len(l.B) != l.Out {
			return fmt.Errorf("certify: layer %d: shape %d×%d does not match %d weights and %d biases", i, l.Out, l.In, len(l.W), len(l.B))
		}
		if i > 0 && n.Layers[i-1].Out != l.In {
			return fmt.Errorf("certify: layer %d takes %d inputs, layer %d gives %d", i, l.In, i-1, n.Layers[i-1].Out)
		}
		switch l.Act {
		case nn.Tanh, nn.ReLU:
		case "": // the logits, or a block cut at its logits feeding the next
		default:
			return fmt.Errorf("certify: layer %d: unsupported activation %q (want tanh or relu)", i, l.Act)
		}
		if i == len(n.Layers)-1 && l.Act != "" {
			return fmt.Errorf("certify: the last layer must have no activation (the logits), got %q", l.Act)
		}
	}
	return nil
}

// Check reports whether n is a network this package can certify: affine
// layers of matching shapes, tanh, ReLU or identity activations, no
// activation after the last layer.
func (n *Network) Check() error { return n.check() }

// Logits computes n's logits at x (len InputDim) in float64 into dst (len
// NumClasses) and returns dst. Each neuron's product sums in lanes
// (sums.go), two neurons at a time.
func (n *Network) Logits(dst, x []float64) []float64 {
	h := x
	for _, l := range n.Layers {
		z := make([]float64, l.Out)
		h = h[:l.In]
		for o := 0; o < l.Out; o += 2 {
			p := o + min(1, l.Out-1-o) // o's partner (o itself for an odd last row)
			s, t := dot2(l.W[o*l.In:(o+1)*l.In], h, l.W[p*l.In:(p+1)*l.In], h)
			z[o] = act(l.Act, l.B[o]+s)
			z[p] = act(l.Act, l.B[p]+t)
		}
		h = z
	}
	return append(dst[:0], h...)
}

// Margins writes the margins z_y − z_j, j = 0..K−1, of n at x into dst (len
// K; dst[y] = 0) in float64 and returns their minimum over j ≠ y.
func (n *Network) Margins(dst, x []float64, y int) float64 {
	z := n.Logits(nil, x)
	worst := posInf
	for j := range z {
		dst[j] = z[y] - z[j]
		if j != y && dst[j] < worst {
			worst = dst[j]
		}
	}
	return worst
}
