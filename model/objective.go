package model

import (
	"fmt"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/train"
)

// New returns the flat model of training run s around its network net (as
// train.Start builds it): config.json records s's sizes, activation,
// training settings, data set name, initialisation, seed and protocol.
func New(s train.Spec, net *nn.MLP) (*Model, error) {
	cfg := Flat(net.Sizes(), s.Act, s.Train)
	cfg.Dataset, cfg.Init, cfg.Seed, cfg.Protocol = s.Data.Name, string(s.Init), s.Seed, s.Protocol
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Blocks: []*nn.MLP{net}}, nil
}

// Objective returns the loss m's last block was trained with, α·CE + β·iso
// with its isometric settings.
func (m *Model) Objective() *train.Objective {
	b := m.LastBlock()
	return b.Train.Objective()
}

// AttackModel returns the attack view of m's network (its last block) with
// the attack loss: attack.LossCE, the cross-entropy, or attack.LossTrain,
// the objective m was trained with (its input distances from the clean
// batch).
func (m *Model) AttackModel(loss string) (*train.AttackModel, error) {
	switch loss {
	case attack.LossCE:
		return train.NewAttackModel(m.Net(), train.CrossEntropy()), nil
	case attack.LossTrain:
		return train.NewAttackModel(m.Net(), m.Objective()), nil
	}
	return nil, fmt.Errorf("model: attack loss must be %s or %s, got %q", attack.LossCE, attack.LossTrain, loss)
}
