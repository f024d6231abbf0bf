package stacked

import (
	"fmt"
	"github.com/isonet/isonet/internal/field"
	"strconv"
	"strings"
)

// Tree is a label hierarchy as parent arrays, coarsest first: Tree[k][c] is
// the class of level k that contains class c of level k+1. A hierarchy of L
// levels has L−1 arrays; level k+1 has len(Tree[k]) classes and level 0 has
// as many as the largest entry of Tree[0] plus one. An entry of −1 marks a
// class whose parent is unknown (a class without examples in the data the
// tree was derived from).
type Tree [][]int

// TreeOf derives the hierarchy of a label matrix (levels coarsest first,
// classes[k] classes at level k). It returns an error naming the level and
// the classes when a level does not refine the one before it: a class of
// level k+1 must lie inside a single class of level k. names, when not nil,
// gives class names per level (as data.Set.ClassNames) for that message.
func TreeOf(labels [][]int, classes []int, names [][]string) (Tree, error) {
	if len(labels) != len(classes) {
		panic(fmt.Sprintf("stacked: TreeOf: %d label levels, %d class counts", len(labels), len(classes)))
	}
	name := func(k, c int) string {
		if k < len(names) && c < len(names[k]) {
			return strconv.Quote(names[k][c])
		}
		return strconv.Itoa(c)
	}
	t := make(Tree, len(labels)-1)
	for k := range t {
		coarse, fine := labels[k], labels[k+1]
		if len(fine) != len(coarse) {
			return nil, fmt.Errorf("label level %d has %d labels but level %d has %d", k+1, len(fine), k, len(coarse))
		}
		parent := make([]int, classes[k+1])
		for c := range parent {
			parent[c] = -1
		}
		for i, c := range fine {
			switch p := parent[c]; {
			case p == -1:
				parent[c] = coarse[i]
			case p != coarse[i]:
				return nil, fmt.Errorf("label level %d does not refine level %d: its class %s has examples in level-%d classes %s and %s (each class must lie inside one class of the level before)",
					k+1, k, name(k+1, c), k, name(k, p), name(k, coarse[i]))
			}
		}
		t[k] = parent
	}
	return t, nil
}

// Classes checks that t is well formed and returns the number of classes of
// each of its len(t)+1 levels, coarsest first. Every entry must be −1 or a
// class of the level above, and every class of a coarser level must have at
// least one child (otherwise it could never be predicted).
func (t Tree) Classes() ([]int, error) {
	if len(t) == 0 {
		return nil, fmt.Errorf("label tree has no levels")
	}
	counts := make([]int, len(t)+1)
	for k, parent := range t {
		if len(parent) == 0 {
			return nil, fmt.Errorf("label tree: level %d has no classes", k+1)
		}
		counts[k+1] = len(parent)
	}
	for _, c := range t[0] {
		counts[0] = max(counts[0], c+1)
	}
	if counts[0] == 0 {
		return nil, fmt.Errorf("label tree: level 0 has no classes (no parent given)")
	}
	for k, parent := range t {
		seen := make([]bool, counts[k])
		for c, p := range parent {
			if p < -1 || p >= counts[k] {
				return nil, fmt.Errorf("label tree: class %d of level %d has parent %d, want 0..%d", c, k+1, p, counts[k]-1)
			}
			if p >= 0 {
				seen[p] = true
			}
		}
		for p, ok := range seen {
			if !ok {
				return nil, fmt.Errorf("label tree: class %d of level %d has no child at level %d", p, k, k+1)
			}
		}
	}
	return counts, nil
}

// Up returns the ancestor at level to of class c of level from (to ≤ from),
// or −1 when a parent on the way is unknown or c is −1.
func (t Tree) Up(c, from, to int) int {
	for k := from; k > to && c >= 0; k-- {
		c = t[k-1][c]
	}
	return c
}

// Levels expands a finest labelling up the tree: it returns one label
// vector per level, coarsest first, the finest being fine itself, and the
// class count of each level. Every label of fine must be a class of the
// finest level with a known ancestry.
func (t Tree) Levels(fine []int) ([][]int, []int, error) {
	counts, err := t.Classes()
	if err != nil {
		return nil, nil, err
	}
	L := len(counts)
	labels := make([][]int, L)
	labels[L-1] = fine
	for k := range L - 1 {
		labels[k] = make([]int, len(fine))
	}
	for i, c := range fine {
		if c < 0 || c >= counts[L-1] {
			return nil, nil, fmt.Errorf("label tree: example %d has class %d, but the tree's finest level has classes 0..%d", i, c, counts[L-1]-1)
		}
		for k := L - 2; k >= 0; k-- {
			p := t.Up(c, L-1, k)
			if p < 0 {
				return nil, nil, fmt.Errorf("label tree: class %d of the finest level has no parent at level %d", c, k)
			}
			labels[k][i] = p
		}
	}
	return labels, counts, nil
}

// ParseTree reads a tree written as parent arrays, coarsest first, each a
// comma-separated list of class numbers, separated by slashes. "0,0,1,1"
// is a 2-level tree (level 1's 4 classes in level 0's 2); the torus's
// 3-level tree is "0,0,1,1/0,0,1,1,2,2,3,3".
func ParseTree(s string) (Tree, error) {
	var t Tree
	for k, part := range strings.Split(s, "/") {
		var parent []int
		for _, f := range strings.Split(part, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || v < 0 {
				return nil, field.Errorf("{Tree}: parent array %d: %q is not a class number ≥ 0", k+1, strings.TrimSpace(f))
			}
			parent = append(parent, v)
		}
		t = append(t, parent)
	}
	if _, err := t.Classes(); err != nil {
		return nil, field.Errorf("{Tree}: %w", err)
	}
	return t, nil
}

// String writes t in the form ParseTree reads.
func (t Tree) String() string {
	parts := make([]string, len(t))
	for k, parent := range t {
		f := make([]string, len(parent))
		for c, p := range parent {
			f[c] = strconv.Itoa(p)
		}
		parts[k] = strings.Join(f, ",")
	}
	return strings.Join(parts, "/")
}
