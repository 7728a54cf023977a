#!/usr/bin/env bash
# Runs txvet over the Go standard library and over every module in the module
# cache (each from its own directory, with its own go.mod), and counts
# packages, load failures and crashes. A crash is a panic or an internal
# error in txvet's output; findings and load errors are not.
#
#   cmd/txvet/sweep.sh [txvet binary]   (builds one when none is given)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
txvet=${1:-}
if [[ -z $txvet ]]; then
	txvet=$(mktemp -d)/txvet
	(cd "$root" && go build -o "$txvet" ./cmd/txvet) || exit 1
fi
modcache=$(go env GOMODCACHE)
logs=$(mktemp -d)
export GOWORK=off GOFLAGS=-mod=readonly

total_pkgs=0 total_crashes=0 modules=0 failed_loads=0
sweep() { # name dir pattern
	local name=$1 dir=$2 pattern=$3 log pkgs crashed
	log="$logs/$(echo "$name" | tr '/@' '__').log"
	pkgs=$(cd "$dir" && go list -e "$pattern" 2>/dev/null | wc -l)
	(cd "$dir" && ulimit -v 8000000 && timeout 900 "$txvet" "$pattern" >"$log" 2>&1)
	local rc=$?
	crashed=0
	if grep -qE '^panic:|internal error|fatal error:|out of memory' "$log" || ((rc > 3)); then
		crashed=1
	fi
	((rc == 1)) && failed_loads=$((failed_loads + 1))
	total_pkgs=$((total_pkgs + pkgs))
	total_crashes=$((total_crashes + crashed))
	modules=$((modules + 1))
	printf '%-70s pkgs=%-5d exit=%d crash=%d\n' "$name" "$pkgs" "$rc" "$crashed"
}

sweep std "$root" std
while read -r gomod; do
	dir=$(dirname "$gomod")
	sweep "${dir#"$modcache"/}" "$dir" ./...
done < <(find "$modcache" -path "$modcache/cache" -prune -o -name go.mod -print |
	grep '@' | grep -v /testdata/ | sort)

echo "modules (std counted as one): $modules, packages: $total_pkgs, runs with load errors: $failed_loads, crashes: $total_crashes"
echo "logs: $logs"
