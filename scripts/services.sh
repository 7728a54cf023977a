#!/usr/bin/env bash
# Ensures local PostgreSQL and RabbitMQ are running, installing them with
# apt-get on a Debian-like machine that lacks them. Idempotent; quiet when
# both are already up.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

wait_for() { # name check seconds
	for _ in $(seq "$3"); do "$2" && return 0; sleep 1; done
	echo "services: $1 did not come up" >&2
	return 1
}

install() {
	echo "services: installing $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	[ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
	apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
	command -v pg_ctlcluster >/dev/null || install postgresql
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	hba=/etc/postgresql/$version/main/pg_hba.conf
	# Tests and the default URLs connect as postgres without a password.
	if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
		sed -i '/^[^#]/ s/\b\(peer\|scram-sha-256\|md5\)$/trust/' "$hba"
	fi
	# The package may have started the cluster already: reload it for the
	# new pg_hba.conf, or start it.
	pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null ||
		pg_ctlcluster --skip-systemctl-redirect "$version" main start
	wait_for PostgreSQL pg_up 60
fi
psql -h 127.0.0.1 -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'lockstep'" | grep -q 1 ||
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE lockstep"

if ! amqp_up; then
	command -v rabbitmq-server >/dev/null || install rabbitmq-server
	# The package may have started the broker already.
	amqp_up || rabbitmq-server -detached
	wait_for RabbitMQ amqp_up 120
fi
