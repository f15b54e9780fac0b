# SPDX-License-Identifier: Apache-2.0
# bench/latency_cdf.gp: request/response latency per system, log-scale µs: the CDF
# (top) and its tail, the fraction of requests slower than x (bottom, log-log).
# bench/report.py runs it with -e for: term, outfile, subtitle, scenario, ncdf and,
# for i in 1..ncdf, fileI (columns: µs, CDF, 1 - CDF), nameI (the key's text) and
# colI (the linetype, so each system has the colour it has in bench/throughput.gp).
if (term eq "pngcairo") {
	set terminal pngcairo size 1100,900 font "sans,11" noenhanced
	us = "µs"
} else {
	set terminal png size 1100,900 noenhanced
	us = "us"
}
set encoding utf8
set output outfile
set multiplot layout 2, 1 title sprintf("TCP request/response RTT, %s%s", scenario, \
	subtitle eq "" ? "" : " (".subtitle.")")
set logscale x
set format x "%.0f"
set grid xtics mxtics ytics
set key outside right top vertical
set xlabel sprintf("RTT (%s)", us)
if (ncdf == 0) {
	unset logscale x
	unset xtics
	unset ytics
	set label 1 sprintf("no %s samples", scenario) at graph 0.5, 0.5 center
	plot [0:1] [0:1] NaN notitle
} else {
	set ylabel "fraction of requests <= RTT"
	set yrange [0:1]
	plot for [i = 1:ncdf] value(sprintf("file%d", i)) using 1:2 with steps \
	     lt value(sprintf("col%d", i)) lw 2 \
	     title value(sprintf("name%d", i))
	set ylabel "fraction of requests > RTT"
	set logscale y
	set format y "%g"
	set yrange [*:1]
	plot for [i = 1:ncdf] value(sprintf("file%d", i)) using 1:3 with steps \
	     lt value(sprintf("col%d", i)) lw 2 \
	     title value(sprintf("name%d", i))
}
unset multiplot
