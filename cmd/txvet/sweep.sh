#!/usr/bin/env bash
# Runs txvet over the Go standard library and over every module in the module
# cache (each from its own directory, with its own go.mod) the way go vet
# runs it: one txvet process per package, each capped in time and memory.
# Every package is analysed in full and its findings counted, also when go
# vet runs it only for the facts its importers need. Prints one line per
# module and the totals: modules, packages, fatal errors, panics, capped
# packages, findings.
#
#   cmd/txvet/sweep.sh [txvet binary]   (builds one when none is given)
#
# SWEEP_TIME (seconds, default 300) and SWEEP_MEM (KiB of address space,
# default 8000000) cap each package; SWEEP_MODULES (an extended regexp,
# default all) picks the modules, "std" among them. The sweep uses a private
# GOCACHE, so no earlier vet result is replayed.
set -uo pipefail

if [[ -n ${SWEEP_TXVET:-} ]]; then
	# Called by go vet as its -vettool: run txvet on one package under the
	# caps and append "package status findings seconds" to $SWEEP_RECORD.
	cfg=${!#}
	if [[ $cfg != *.cfg ]]; then
		exec "$SWEEP_TXVET" "$@" # -V=full, -flags
	fi
	pkg=$(sed -n 's/^[[:space:]]*"ImportPath":[[:space:]]*"\([^"]*\)".*/\1/p' "$cfg")
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sed 's/"VetxOnly": *true/"VetxOnly": false/' "$cfg" >"$tmp/vet.cfg"
	start=$EPOCHREALTIME
	(ulimit -v "$SWEEP_MEM" && exec timeout "$SWEEP_TIME" "$SWEEP_TXVET" -json "${@:1:$#-1}" "$tmp/vet.cfg") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
	status=ok
	if ((rc == 124)); then
		status=capped-time
	elif grep -qE 'out of memory|cannot allocate memory' "$tmp/err"; then
		status=capped-memory
	elif grep -q '^fatal error:' "$tmp/err"; then
		status=fatal
	elif grep -qE '^panic:|internal error' "$tmp/err"; then
		status=panic
	elif ((rc != 0)); then
		status=error
	fi
	findings=$(grep -c '"posn":' "$tmp/out")
	printf '%s %s %d %s\n' "$pkg" "$status" "$findings" "$secs" >>"$SWEEP_RECORD"
	if [[ $status != ok ]]; then
		mkdir -p "$SWEEP_LOGS"
		cp "$tmp/err" "$SWEEP_LOGS/$(echo "$pkg" | tr '/' '_').$status"
	fi
	cat "$tmp/err" >&2
	# Importers need the facts file even when the package was capped.
	vetx=$(sed -n 's/^[[:space:]]*"VetxOutput":[[:space:]]*"\([^"]*\)".*/\1/p' "$cfg")
	[[ -z $vetx || -e $vetx ]] || : >"$vetx"
	exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
txvet=${1:-}
if [[ -z $txvet ]]; then
	txvet=$(mktemp -d)/txvet
	(cd "$root" && go build -o "$txvet" ./cmd/txvet) || exit 1
fi
modcache=$(go env GOMODCACHE)
work=$(mktemp -d)
export SWEEP_TXVET=$txvet SWEEP_TIME=${SWEEP_TIME:-300} SWEEP_MEM=${SWEEP_MEM:-8000000}
export SWEEP_LOGS=$work/logs GOCACHE=$work/gocache GOWORK=off GOFLAGS=-mod=readonly GOPROXY=off GOSUMDB=off
self=$root/cmd/txvet/sweep.sh

modules=0 load_errors=0
sweep() { # name dir -mod packages...
	local name=$1 dir=$2 mod=$3 rc
	shift 3
	export SWEEP_RECORD=$work/$(echo "$name" | tr '/@' '__').record
	: >"$SWEEP_RECORD"
	if (($# == 0)); then
		rc=1 # nothing loads
	else
		(cd "$dir" && GOFLAGS=$mod go vet -vettool="$self" "$@") >"$SWEEP_RECORD.vet" 2>&1
		rc=$?
	fi
	((rc != 0)) && load_errors=$((load_errors + 1))
	modules=$((modules + 1))
	awk -v name="$name" -v rc="$rc" '
		{ n++; if ($2 != "ok") bad[$2]++; f += $3 }
		END { printf "%-70s pkgs=%-5d findings=%-4d vet-exit=%d", name, n, f, rc
		      for (s in bad) printf " %s=%d", s, bad[s]; printf "\n" }' "$SWEEP_RECORD"
}

only=${SWEEP_MODULES:-.}
[[ std =~ $only ]] && sweep std "$root" -mod=readonly std
# use_cached_versions makes the module in dir require, instead of a version
# missing from the module cache, the newest cached version when it is newer:
# the cache holds what this machine's builds used, often a later release of
# what the module asks for.
use_cached_versions() { # dir
	local path version esc have
	(cd "$1" && go list -m -e -f '{{.Path}} {{.Version}}' all 2>/dev/null) | while read -r path version; do
		[[ -n $version ]] || continue
		esc=$(sed 's/[A-Z]/!\L&/g' <<<"$path") # the cache's case encoding
		[[ -d $modcache/$esc@$version ]] && continue
		have=$(ls -d "$modcache/$esc@"* 2>/dev/null | sed 's|.*@||' | sort -V | tail -1)
		if [[ -n $have && $have != "$version" && $(printf '%s\n' "$version" "$have" | sort -V | tail -1) == "$have" ]]; then
			(cd "$1" && go mod edit -require="$path@$have")
		fi
	done
}

# loadable lists the packages of the module in dir whose imports all load.
loadable() { # dir -mod
	(cd "$1" && GOFLAGS=$2 go list -e -f '{{if not (or .Error .DepsErrors)}}{{.ImportPath}}{{end}}' ./... 2>/dev/null)
}

# A module is swept from a copy without its tests: the module cache holds
# the dependencies of its packages, rarely those of its tests, and go vet
# gives up on a whole run when one test does not load. Packages whose own
# imports are missing are left out for the same reason. The module's own
# requirements are tried first, then the cached newer versions; the one
# that loads more packages is swept.
while read -r gomod; do
	dir=$(dirname "$gomod")
	name=${dir#"$modcache"/}
	copy=$work/src/$(echo "$name" | tr '/@' '__')
	mkdir -p "$(dirname "$copy")" && cp -r "$dir" "$copy" && chmod -R u+w "$copy"
	find "$copy" -name '*_test.go' -delete
	mapfile -t pkgs < <(loadable "$copy" -mod=readonly)
	GOFLAGS=-mod=mod use_cached_versions "$copy"
	mapfile -t newer < <(loadable "$copy" -mod=mod)
	if ((${#newer[@]} > ${#pkgs[@]})); then
		sweep "$name" "$copy" -mod=mod "${newer[@]}"
	else
		cp "$dir/go.mod" "$copy/go.mod" && { [[ ! -e $dir/go.sum ]] || cp "$dir/go.sum" "$copy/go.sum"; }
		sweep "$name" "$copy" -mod=readonly "${pkgs[@]}"
	fi
	rm -rf "$copy"
done < <(find "$modcache" -path "$modcache/cache" -prune -o -name go.mod -print |
	grep '@' | grep -v /testdata/ | grep -E -- "$only" | sort)

# A package shared by several modules (the standard library above all) is
# counted once: its first run.
cat "$work"/*.record | awk -v modules="$modules" -v load_errors="$load_errors" '
	!seen[$1]++ { n++; s[$2]++; f += $3 }
	END {
		printf "modules (std counted as one): %d, with load errors: %d\n", modules, load_errors
		printf "packages: %d, fatal errors: %d, panics: %d, capped: %d (time %d, memory %d), other errors: %d, findings: %d\n",
			n, s["fatal"], s["panic"], s["capped-time"] + s["capped-memory"], s["capped-time"], s["capped-memory"], s["error"], f
	}'
echo "records and logs: $work"
