#!/bin/bash
# The RFC's table of make demo, mock and intel-iommu side by side, from the
# two VMs' CSV files (guest/bench/table.c): for each message size, number
# of sends and on-demand peer,
#  - the slowdown against static pinning and the page requests sent: a
#    ratio within each VM, so the two compare;
#  - the guest time each page request added: (time - time(static)) /
#    requests, in microseconds of guest time (both VMs count instructions
#    the same way, -icount; the two devices differ, see README).
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
		secs[file, key, $3] = $4
		slow[file, key, $3] = $5
		req[file, key, $3] = $6
	}
	function row_head(k) {
		split(keys[k], f, ",")
		printf "%3dMiB %6d", f[1], f[2]
	}
	function head(title,    p) {
		print ""
		print title
		printf "%-6s %6s", "size", "sends"
		for (p = 1; p <= np; p++)
			if (peers[p] != "static")
				printf " | %-31s", peers[p] ": mock | vtd"
		printf "\n"
	}
	function per_req(f, k, p,    r) {
		r = req[f, keys[k], peers[p]]
		if (r == "" || r == 0)
			return sprintf("%14s", "-")
		return sprintf("%14.1f", 1e6 * (secs[f, keys[k], peers[p]] - secs[f, keys[k], "static"]) / r)
	}
	END {
		head("== The RFC'"'"'s table: slowdown against static pinning, page requests ==")
		for (k = 1; k <= nk; k++) {
			row_head(k)
			for (p = 1; p <= np; p++)
				if (peers[p] != "static")
					printf " | %+8.0f%% %4d | %+8.0f%% %4d", slow[1, keys[k], peers[p]], req[1, keys[k], peers[p]], slow[2, keys[k], peers[p]], req[2, keys[k], peers[p]]
			printf "\n"
		}
		head("== Guest time each page request added, us: (time - time(static)) / requests ==")
		for (k = 1; k <= nk; k++) {
			row_head(k)
			for (p = 1; p <= np; p++)
				if (peers[p] != "static")
					printf " | %s | %s", per_req(1, k, p), per_req(2, k, p)
			printf "\n"
		}
	}' "$mock" "$vtd"
