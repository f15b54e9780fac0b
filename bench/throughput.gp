# SPDX-License-Identifier: Apache-2.0
# bench/throughput.gp: grouped bars of TCP throughput, Mbit/s per scenario (groups)
# and system (bars, labelled with their value). bench/report.py runs it as
#   gnuplot -e "term='pngcairo'" -e "datafile='F'" -e "nsys=N" -e "nscen=M" \
#           -e "subtitle='S'" -e "outfile='O'" -e "col1=K" ... bench/throughput.gp
# (colI: the linetype whose colour system I gets, the same in bench/latency_cdf.gp).
# DATAFILE: a header "scenario SYSTEM..." then one row per scenario, '?' if missing.
if (term eq "pngcairo") {
	set terminal pngcairo size 1200,650 font "sans,11" noenhanced
} else {
	set terminal png size 1200,650 noenhanced
}
set output outfile
set title sprintf("TCP throughput per scenario%s", subtitle eq "" ? "" : " (".subtitle.")")
set datafile missing "?"
set key autotitle columnheader  # the header row names the bars, and is no data row
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 1
set key outside right top vertical
set ylabel "Mbit/s"
set grid ytics
set yrange [0:*]
set xrange [-0.6:nscen - 0.4]
set offsets 0, 0, graph 0.08, 0
set xtics nomirror scale 0
if (nsys == 0) {
	unset xtics
	unset ytics
	set label 1 "no throughput results" at graph 0.5, 0.5 center
	plot [0:1] [0:1] NaN notitle
} else {
	# Bar j (0-based) of group k is centred at k + (j - (nsys - 1) / 2) / (nsys + gap).
	plot for [i = 2:nsys + 1] datafile using i:xtic(1) lt value(sprintf("col%d", i - 1)), \
	     for [i = 2:nsys + 1] datafile \
	         using ($0 + (i - 2 - (nsys - 1) / 2.0) / (nsys + 1.0)):i:(sprintf("%.0f", column(i))) \
	         with labels offset 0, 0.7 font ",8" notitle
}
