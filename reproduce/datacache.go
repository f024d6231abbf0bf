package reproduce

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/phase"
)

// withData declares that phase p reads the data set d: the digest of d's
// content (dataDigest) enters p's key, so a stored result computed on other
// data (a --data-dir whose files changed) is not reused.
func (e *Env) withData(d data.Spec, p phase.Phase) phase.Phase {
	p.Data = func() (string, error) { return e.dataDigest(d) }
	return p
}

// dataDigest returns the sha256 of what identifies the content of the data
// set d: its name, its generator's seed and the sha256 of every file read
// (data.Provenance), not where the files are. It loads d (once per
// process, as Data does) when it is not loaded yet.
func (e *Env) dataDigest(d data.Spec) (string, error) {
	if _, _, err := e.Data(d); err != nil {
		return "", err
	}
	p, err := e.provenance(d)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(struct {
		Name   string            `json:"name"`
		Seed   uint64            `json:"seed"`
		SHA256 map[string]string `json:"sha256"`
	}{p.Name, p.Seed, p.SHA256})
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}
