#!/bin/bash
# Plots of one benchmark run with gnuplot (PNG).
#   demo-plots.sh RUNDIR OUTDIR
set -eu
run="$1"
out="$2"

gnuplot <<GP
set terminal pngcairo size 900,560 font ",11" noenhanced
set datafile separator ","
set key inside top left
set grid

set output "$out/startup.png"
set title "VM start-up: time to map guest memory"
set xlabel "guest memory (MiB)"
set ylabel "seconds"
set logscale xy
set format y "%g"
set key below
plot "$run/startup.csv" using 1:2 skip 1 with linespoints title "IOMMU_IOAS_MAP (pinned)", \
     "" using 1:3 skip 1 with linespoints title "IOMMU_IOAS_MAP_ON_DEMAND", \
     "" using 1:4 skip 1 with linespoints title "VFIO_IOMMU_MAP_DMA (pinned)", \
     "" using 1:5 skip 1 with linespoints title "VFIO_IOMMU_MAP_DMA + FLAG_IOPF", \
     "" using 1:6 skip 1 with linespoints title "VFIO_IOMMU_ENABLE_IOPF (convert)"
unset logscale
set format y "% h"
set key inside top left

set output "$out/fault_cost.png"
set title "Cost of one page: median and p99 (microseconds of guest time)"
set style data histograms
set style fill solid 0.6
set boxwidth 0.7
set xtics rotate by -20
set ylabel "microseconds"
set yrange [0:*]
unset xlabel
plot "$run/fault_cost.csv" using 2:xtic(1) skip 1 title "median", \
     "" using 3 skip 1 title "p99"

set output "$out/sparse.png"
set title "Sparse DMA (1 page in 16): memory mapped that the device never touched"
set ylabel "pages"
plot "$run/sparse.csv" using 4:xtic(1) skip 1 title "untouched but mapped", \
     "" using 2 skip 1 title "page requests"

set output "$out/density.png"
# x: guests; the top axis and the dashed line say where their memory
# passes the RAM (ram_mib over one guest's MiB). The static line ends
# where its map fails; the cross marks that map (ENOMEM). column(N), not
# \$N: this is an unquoted here-document.
set title "Density: aggregate DMA throughput as guests are added past the RAM (swap on zram)"
set style data linespoints
set xtics norotate nomirror
set xlabel "guests"
set ylabel "MiB/s, all guests' devices"
set yrange [0:*]
stats "$run/density.csv" using (column(3) / column(2)) skip 1 nooutput
guest_mib = STATS_min
stats "$run/density.csv" using 5 skip 1 nooutput
ram_mib = STATS_max
ram_n = ram_mib / guest_mib
set link x2 via x * guest_mib / ram_mib inverse x * ram_mib / guest_mib
set x2label "guests' memory / RAM"
set x2tics 0.5 format "%.1fx"
set arrow 1 from ram_n, graph 0 to ram_n, graph 1 nohead dt 2 lc rgb "gray40"
set label 1 "RAM" at ram_n, graph 0.1 offset 0.5, 0 textcolor rgb "gray40"
set key below
plot "< grep '^static,' $run/density.csv" using 2:(strcol(6) eq "ok" ? column(4) : 1/0) title "static: pinned (RLIMIT_MEMLOCK 3/4 of RAM)", \
     "< grep '^static,' $run/density.csv" using 2:(strcol(6) eq "ok" ? 1/0 : 0) with points pt 2 ps 2 lw 2 title "static: the next map fails (ENOMEM)", \
     "< grep '^kernel,' $run/density.csv" using 2:4 title "on demand: the guest's CPU reads what its device wrote", \
     "< grep '^kernel-dev,' $run/density.csv" using 2:4 title "on demand: device-only working set (reclaim cannot see it used)"
GP

# The migration section's two figures, from a benchmark that has it (an
# older one's results have no such CSV files)
[ -f "$run/precopy.csv" ] && [ -f "$run/postcopy.csv" ] || exit 0
gnuplot <<GP
set terminal pngcairo size 900,560 font ",11" noenhanced
set datafile separator ","
set grid

# Log scale: the device writes 1% of the guest per round, so the two lines
# are two orders of magnitude apart.
set output "$out/precopy.png"
set title "Pre-copy: what the VMM resends after each round (the device writes 1% of the guest)"
set style data linespoints
set xlabel "round"
set ylabel "MiB to resend"
set logscale y
set format y "%g"
set xtics 1
set offsets 0.3, 0.3, 0, 0
set key below
plot "$run/precopy.csv" using 1:(column(4) / 1048576.0) skip 1 title "everything mapped counts as dirty (no dirty bits in the IOMMU)", \
     "" using 1:(column(3) / 1048576.0) skip 1 title "dirty tracking by write faults (IOMMU_HWPT_GET_DIRTY_BITMAP)"
unset logscale y
set xtics autofreq

set output "$out/postcopy.png"
set title "Post-copy: time for the device to read the buffer, by how its pages arrive"
set style data histograms
set style fill solid 0.6
set boxwidth 0.7
unset xlabel
set ylabel "device read, start to completion (ms of guest time)"
set yrange [0:*]
# Room above the tallest bar for its label
set offsets 0, 0, graph 0.12, 0
unset key
plot "$run/postcopy.csv" using (column(2) / 1000.0):xtic(1) skip 1 notitle, \
     "" using 0:(column(2) / 1000.0):(sprintf("%.2fx, %d req", column(3), column(4))) skip 1 with labels offset 0, 1 notitle
GP
