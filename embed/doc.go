// Package embed maps representations to two or three dimensions for pictures,
// and measures how faithful such a map is.
//
// UMAP follows McInnes, Healy & Melville (2018), "UMAP: Uniform Manifold
// Approximation and Projection for Dimension Reduction": a k-nearest-neighbour
// graph, per-point smooth-kNN bandwidths σ and offsets ρ, the fuzzy union of the
// directed memberships, a spectral initialisation, and stochastic gradient
// descent on the fuzzy cross-entropy with negative sampling. Defaults and
// schedules match those of the reference implementation, umap-learn, so that
// pictures and numbers can be compared with it. PCA is the cheap, exact
// baseline. Trustworthiness and kNN label accuracy score an embedding.
//
// The SGD departs from umap-learn in two ways, both for speed (see
// layout.optimize): a sample's negative repulsions are computed together,
// and large problems are optimised in four parts, in parallel, with the
// edges between parts run serially. Everything is deterministic given a
// seed, whatever the number of workers; umap-learn's parallel SGD is not.
package embed
