// Package experiment ties the pieces together the way the command line uses
// them: it builds and trains a model from a Spec and evaluates it. The
// cmd/isonet commands and `reproduce` call it. Data set names are resolved
// by package data (data.Spec); DataSpec is kept here as an alias.
package experiment

import "github.com/isonet/isonet/data"

// The toy sets' sizes and noise, from package data.
const (
	RingsPoints = data.RingsPoints
	RingsSigma  = data.RingsSigma
	TorusNoise  = data.TorusNoise
)

// DataSpec names a data set and where to find it (see data.Spec).
type DataSpec = data.Spec
