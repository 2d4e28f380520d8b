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
set title "Density: aggregate DMA throughput as guests are added (memory cgroup budget)"
set style data linespoints
set xtics norotate
set xlabel "guests"
set ylabel "MiB/s"
plot "< grep '^static,' $run/density.csv" using 2:4 title "static pinning", \
     "< grep '^kernel,' $run/density.csv" using 2:4 title "on demand"
GP
