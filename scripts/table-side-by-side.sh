#!/bin/bash
# The RFC's table of make demo, mock and intel-iommu side by side: for each
# message size, number of sends and on-demand peer, the slowdown against
# static pinning and the page requests, from the two runs' CSV files
# (guest/bench/table.c). Each slowdown is a ratio within its own VM, so the
# two columns compare; the absolute times do not.
#   table-side-by-side.sh MOCK.csv VTD.csv
set -eu

mock="${1:?mock table.csv}"
vtd="${2:?vtd table_vtd.csv}"

awk -F, '
	FNR == 1 { file++; next }
	{
		key = $1 "," $2
		if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
		if (!($3 in pseen)) { pseen[$3] = 1; peers[++np] = $3 }
		cell[file, key, $3] = sprintf("%+7.1f%% %5d", $5, $6)
	}
	END {
		print "== The RFC'"'"'s table: slowdown against static pinning, page requests; mock | intel-iommu =="
		printf "%-6s %6s", "size", "sends"
		for (p = 1; p <= np; p++)
			if (peers[p] != "static")
				printf " | %-29s", peers[p]
		printf "\n"
		for (k = 1; k <= nk; k++) {
			split(keys[k], f, ",")
			printf "%3dMiB %6d", f[1], f[2]
			for (p = 1; p <= np; p++) {
				if (peers[p] == "static")
					continue
				m = cell[1, keys[k], peers[p]]
				v = cell[2, keys[k], peers[p]]
				printf " | %s | %s", m ? m : "      -       ", v ? v : "      -       "
			}
			printf "\n"
		}
	}' "$mock" "$vtd"
