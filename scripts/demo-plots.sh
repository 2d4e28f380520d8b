#!/bin/bash
# Plots of one benchmark run with gnuplot (PNG): one per figure whose CSV
# the run has (--sections runs some sections only; an older benchmark's
# results lack the newer sections).
#   demo-plots.sh RUNDIR OUTDIR
set -eu
run="$1"
out="$2"

# What every plot starts with
common='set terminal pngcairo size 900,560 font ",11" noenhanced
set datafile separator ","
set key inside top left
set grid'

has() {
	[ -f "$run/$1.csv" ]
}

if has startup; then
	# The time to the first completed DMA, from a benchmark that has it
	# (the columns after the older ones)
	first_dma=""
	if head -n 1 "$run/startup.csv" | grep -q ',ondemand_first_dma_s'; then
		first_dma=', "" using 1:10 skip 1 with linespoints dt 2 title "IOMMU_IOAS_MAP (pinned) + first DMA", "" using 1:11 skip 1 with linespoints dt 2 title "IOMMU_IOAS_MAP_ON_DEMAND + first DMA (its page requests)"'
	fi
	gnuplot <<GP
$common
set output "$out/startup.png"
set title "VM start-up: time to map guest memory, and to the first completed DMA"
set xlabel "guest memory (MiB)"
set ylabel "seconds"
set logscale xy
set format y "%g"
set key below
plot "$run/startup.csv" using 1:2 skip 1 with linespoints title "IOMMU_IOAS_MAP (pinned)", \
     "" using 1:3 skip 1 with linespoints title "IOMMU_IOAS_MAP_ON_DEMAND", \
     "" using 1:4 skip 1 with linespoints title "VFIO_IOMMU_MAP_DMA (pinned)", \
     "" using 1:5 skip 1 with linespoints title "VFIO_IOMMU_MAP_DMA + FLAG_IOPF", \
     "" using 1:6 skip 1 with linespoints title "VFIO_IOMMU_ENABLE_IOPF (convert)"$first_dma
GP
fi

if has fault_cost; then
	gnuplot <<GP
$common
set output "$out/fault_cost.png"
set title "Cost of one page: median and p99 (microseconds of guest time)"
set style data histograms
set style fill solid 0.6
set boxwidth 0.7
set xtics rotate by -20
set ylabel "microseconds"
set yrange [0:*]
plot "$run/fault_cost.csv" using 2:xtic(1) skip 1 title "median", \
     "" using 3 skip 1 title "p99"
GP
fi

if has sparse; then
	gnuplot <<GP
$common
set output "$out/sparse.png"
set title "Sparse DMA (1 page in 16): memory mapped that the device never touched"
set style data histograms
set style fill solid 0.6
set boxwidth 0.7
set xtics rotate by -20
set ylabel "pages"
set yrange [0:*]
plot "$run/sparse.csv" using 4:xtic(1) skip 1 title "untouched but mapped", \
     "" using 2 skip 1 title "page requests"
GP
fi

if has density; then
	# x: guests; the top axis and the dashed line say where their memory
	# passes the RAM (ram_mib over one guest's MiB). The static line ends
	# where its map fails; the cross marks that map (ENOMEM). column(N),
	# not \$N: this is an unquoted here-document.
	gnuplot <<GP
$common
set output "$out/density.png"
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
fi

if has precopy; then
	# Log scale: the device writes 1% of the guest per round, so the two
	# lines are two orders of magnitude apart.
	gnuplot <<GP
$common
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
GP
fi

if has postcopy; then
	gnuplot <<GP
$common
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
fi

if has balloon; then
	# Memory on the left axis, the device's throughput on the right; shaded,
	# from the last sample before the balloon to the first with all of the
	# lower half freed.
	gnuplot <<GP
$common
set output "$out/balloon.png"
set title "Balloon: the guest frees its lower half while its device DMAs to the upper half"
stats "< grep ',before,' $run/balloon.csv" using 1 nooutput
inflate_from = STATS_max
stats "< grep ',after,' $run/balloon.csv" using 1 nooutput
set object 1 rectangle from inflate_from, graph 0 to STATS_min, graph 1 behind fillcolor rgb "gray90" fillstyle solid noborder
set label 1 "balloon inflates" at inflate_from, graph 0.97 offset 0.5, 0 textcolor rgb "gray40"
set style data lines
set xlabel "seconds of guest time"
set ylabel "MiB"
set y2label "device throughput, MiB/s"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key below
plot "$run/balloon.csv" using 1:3 skip 1 lw 2 title "process RSS", \
     "" using 1:4 skip 1 lw 2 title "process swap (VmSwap)", \
     "" using 1:5 skip 1 dt 2 title "zram: data stored", \
     "" using 1:6 skip 1 dt 3 title "zram: compressed", \
     "" using 1:7 skip 1 lw 2 title "VM RAM in use, since before the guest", \
     "" using 1:8 skip 1 dt 4 title "mapped in the IOMMU (on demand)", \
     "" using 1:10 skip 1 lw 2 dt 3 title "freed by the balloon", \
     "" using 1:9 skip 1 axes x1y2 with linespoints pt 7 ps 0.5 title "device DMA throughput (right axis)"
GP
fi
