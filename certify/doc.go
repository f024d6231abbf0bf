// Package certify computes certified robustness bounds for the networks
// isonet trains: lower bounds on every margin z_y − z_j (j ≠ y) of a
// network's logits over all inputs within ε of a clean input, in the L∞ or
// L2 norm, intersected with the pixel box [0, 1]ⁿ. A positive bound on
// every margin certifies that no perturbation in the set changes the
// prediction, so the fraction of examples certified (Accuracy) is a lower
// bound on the robust accuracy, while an attack gives an upper bound.
//
// Methods (Config.Method), each at least as tight as the one before:
//
//   - ibp: interval bound propagation, with the margin specification folded
//     into the last layer.
//   - crown: CROWN (Zhang et al., NeurIPS 2018), a backward pass of linear
//     bounds: each activation is bounded on its pre-activation interval
//     [l, u] by a lower and an upper line, chosen by the sign of the
//     coefficient it meets. tanh: on a convex piece (u ≤ 0) the secant above
//     and the tangent at the midpoint below, on a concave piece (l ≥ 0) the
//     reverse; across 0 the line through (l, tanh l) tangent at a point
//     d ≥ 0 found by bisection (rounded towards validity) above, and its
//     mirror image below, or the secant where no such tangent point lies in
//     [l, u]. ReLU: the chord above, the adaptive slope (1 if u ≥ −l, else
//     0) below. Every hidden layer's bounds come from a CROWN pass of their
//     own down to the input, intersected with the interval bounds; the
//     final bounds are the larger of CROWN's and IBP's.
//   - alpha-crown: α-CROWN (Xu et al., ICLR 2021): the tangent points of the
//     tanh lines (and the lower slopes of unstable ReLUs) are free within
//     the ranges where the lines stay valid, one set per example and per
//     margin, and climb the gradient of that margin's bound by projected
//     Adam from CROWN's choice; the best bound seen is kept, so it is never
//     looser than crown. The hidden layers' bounds are optimised first, the
//     same way, each neuron's lower and upper bound on its own (a set of
//     tangent points per bound, Config.AlphaSteps steps from CROWN's), not
//     through the final margins as the reference implementation does.
//   - lipschitz (L2 only): margin_j(x) − ε·L_yj, with L_yj = ‖W_y − W_j‖₂ ×
//     the product of the other layers' spectral norms (gonum's SVD, widened
//     by a relative 1e-9) × the activations' slope bound 1. Its radius
//     min_j margin_j/L_yj is at least the usual margin/(√2·L).
//
// Concretisation: a linear bound a·x + c is minimised over the set exactly
// for L∞ (the ball ∩ [0, 1]ⁿ is a box). For L2 the bound is the largest of
// a·x₀ − ε‖a‖₂ (the ball), the minimum over the box [x₀ − ε, x₀ + ε] ∩
// [0, 1]ⁿ, which holds the ball ∩ [0, 1]ⁿ, and, for the margins (not the
// many rows of the hidden bounds), the Lagrangian dual bound
// max_λ≥0 Σ_i min_{x_i} (a_i·x_i + λ(x_i − x₀_i)²) − λε², which is a lower
// bound at every λ and the exact minimum at the best (golden-section search).
//
// Arithmetic: the bounds are those of the network computed in exact
// arithmetic with its weights (float32 numbers for isonet's networks,
// converted exactly to float64). Bounds, lines and constants are formed in
// float64; the products with the weight matrices run in float32
// (tensor.Gemm) on coefficients rounded to float32, and each rounding is
// charged to the bound's constant: Σ|a − fl(a)|·max|z| for rounding the
// coefficients a met by a pre-activation z, and, for a product of inner
// size n with a layer whose input h ranges over a box of centre m and
// half-width ρ, γ_n·|fl(a)|·(|W|·ρ) (γ_n = n·2⁻²⁴/(1 − n·2⁻²⁴), valid for
// any summation order), plus |W − fl(W)|·ρ for weights that are not
// float32 numbers — the product's share at m, fl(a)·(W·m), is computed in
// float64 (see back). Against a float64 CROWN the charges cost about 1e-4
// of a bound on the MNIST networks. Float64 rounding is not directed, so a bound may exceed
// the exact one by float64 rounding (about 1e-13 for these sizes); every
// tanh line's intercept is widened by 1e-12 towards its side to cover
// math.Tanh's error. The network evaluated in float32 (as isonet's forward
// pass does) differs from the exact one by float32 rounding (about 1e-6 in
// a logit), which a certificate does not cover: a bound within that of 0
// certifies the exact network only.
//
// The gradient of a margin's α-CROWN bound with respect to the line
// parameters is a forward pass of the bound's minimising input through the
// relaxed network: with the coefficients a_j met at layer j and the
// relaxed pre-activation ẑ_j there, ∂bound/∂t = a_j·(ẑ_j·∂s/∂t + ∂c/∂t)
// for a line s·z + c.
package certify
