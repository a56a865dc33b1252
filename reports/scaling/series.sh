#!/bin/bash
# The measurements of reports/SCALING.md, one after another: one JSON line
# each in $OUT/results.jsonl (default /tmp/scale), reports in $OUT/out-*.
set -u
cd "$(git rev-parse --show-toplevel)"
export OUT=${OUT:-/tmp/scale}
mkdir -p "$OUT"
M=$PWD/reports/scaling/measure.py
R=$OUT/reports
go build -o $R ./reports
A=halfclose,eof,deadline,closed,listener,dial,udp,keepalive,conn,sockopt,state,fault,wire,leak
IN='std-tcp|std-tcp6|std-unix|std-udp|pipe|rawsock-tcp|rawsock-udp|crypto-tls'
I1='^std-tcp$'
I6='^(std-tcp|std-tcp6|std-unix|std-udp|pipe|rawsock-tcp)$'
I12="^($IN|coder-websocket|grpc-bufconn|gvisor-gonet-tcp|gvisor-gonet-udp)\$"
I24="^($IN|coder-websocket|grpc-bufconn|gvisor-gonet-tcp|gvisor-gonet-udp|hashicorp-yamux|libp2p-yamux|pion-udp-listener|pires-proxyproto|quic-go|quic-go-cancelread|soheilhy-cmux|x-crypto-ssh|x-net-limitlistener|xtaci-smux|xtaci-smux-v2|driver-go)\$"
buildtime() { # label, then env: the report's four go test -c, warm
  local t0=$(date +%s.%N) l0=$(cut -d' ' -f1-3 /proc/loadavg)
  for b in ". ./suite" ". ./impls/driver" "impls/thirdparty ." ". ./suite/programtest"; do
    set -- $b; (cd $1 && go test -c -o $OUT/b.test $2) || echo FAIL $b
  done
  echo "{\"label\":\"$L\",\"build4_s\":$(echo "$(date +%s.%N) - $t0" | bc),\"load_before\":\"$l0\",\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> $OUT/results.jsonl
}
for rep in ${REPS:-1 2}; do
  L=build-plain-$rep buildtime
  L=build-tags-$rep GOFLAGS=-tags=netconform_scale buildtime
  for n in 1 6 12 24; do
    eval "re=\$I$n"
    $M impl$n-$rep $R -impl "$re" -area $A -out $OUT/out-impl$n-$rep >> $OUT/results.jsonl
  done
  for k in 1 2 4; do
    GOFLAGS=-tags=netconform_scale NETCONFORM_SCALE_CASES=$k $M cases$k-$rep $R -impl "$I6" -area $A -out $OUT/out-cases$k-$rep >> $OUT/results.jsonl
  done
done
[ -n "${NOPERF:-}" ] || $M perf6-1 $R -impl "$I6" -area perf -out $OUT/out-perf6-1 >> $OUT/results.jsonl
echo DONE >> $OUT/results.jsonl
