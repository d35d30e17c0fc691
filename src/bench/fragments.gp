# Fragments per second by fragment size for the four write paths (1 and 4 producers), from report.py's
# fragments.dat. gnuplot -e "datafile='...'; outfile='...'" fragments.gp
set terminal pngcairo size 1100,480 font ",10" noenhanced
set output outfile
set multiplot layout 1,2 title "spoolkv JMH: fragments/s over a loopback socket (medians)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1000:*]
set format y "%.0s%c"
set ylabel "fragments/s (log)"
set xlabel "fragment size (bytes)"
set grid ytics
set key top right
set title "1 producer thread"
plot datafile using 2:xtic(1) title "writeAndFlush", '' using 3 title "write + flush/32", \
     '' using 4 title "FlushConsolidationHandler", '' using 5 title "SpoolService"
set title "4 producer threads"
plot datafile using 6:xtic(1) title "writeAndFlush", '' using 7 title "write + flush/32", \
     '' using 8 title "FlushConsolidationHandler", '' using 9 title "SpoolService"
unset multiplot
