#!/usr/bin/env bash
# depgraph.sh prints this module's package graph — one line per package:
# "pkg: the module packages it imports" (non-test imports, module prefix
# dropped) — and checks that imports go one way, down the floors of the
# README's Library section:
#
#   tensor, safetensors, verdict → nn, attack → iso, certify → data → train → model →
#   embed/geometry/topology/stacked → report → reproduce/bench → cmd/isonet
#
# A package may import packages of its own floor or of lower ones; internal/*
# sits below them all. (An import cycle makes go list itself fail, so a graph
# that prints has none.) It exits 1 listing every upward edge and every package
# that has no floor yet (add it to floors below), 0 when there is none.
# Run it from anywhere inside the module: tools/depgraph.sh
set -euo pipefail
cd "$(dirname "$0")/.."

floors='
tensor 1
safetensors 1
verdict 1
nn 2
attack 2
iso 3
certify 3
data 4
train 5
model 6
embed 7
geometry 7
topology 7
stacked 7
report 8
reproduce 9
bench 9
cmd/isonet 10
'

module=$(go list -m)
go list -f '{{.ImportPath}} {{join .Imports " "}}' ./... |
	awk -v module="$module" -v floors="$floors" '
	BEGIN {
		n = split(floors, f, "\n")
		for (i = 1; i <= n; i++)
			if (split(f[i], kv, " ") == 2)
				floor[kv[1]] = kv[2]
	}
	function short(p) {
		p = p == module ? "." : substr(p, length(module) + 2)
		if (!(p in floor) && index(p, "internal/") == 1)
			floor[p] = 0
		return p
	}
	function inModule(p) { return p == module || index(p, module "/") == 1 }
	{
		pkg = short($1)
		line = pkg ":"
		if (!(pkg in floor))
			bad[++nbad] = "no floor for package " pkg " (add it to tools/depgraph.sh)"
		for (i = 2; i <= NF; i++) {
			if (!inModule($i))
				continue
			imp = short($i)
			line = line " " imp
			if ((pkg in floor) && (imp in floor) && floor[imp] > floor[pkg])
				bad[++nbad] = "upward import: " pkg " (floor " floor[pkg] ") imports " imp " (floor " floor[imp] ")"
		}
		print line
	}
	END {
		for (i = 1; i <= nbad; i++)
			print "depgraph: " bad[i] > "/dev/stderr"
		exit (nbad > 0)
	}'
