#!/usr/bin/env bash
# Runs the pipeline end to end on the local services: starts them if needed,
# migrates, then `lockstep demo` starts `lockstep serve` with every role,
# submits a batch of multi-step jobs through the API, waits for them, checks
# every job, task and event, prints a summary and stops the pipeline.
# JOBS, STEPS and HANDLERS tune the batch; FAIL_PROBABILITY makes step 2 of
# each job fail each attempt with that probability (3 attempts, then the job
# fails) and STOP jobs are stopped through the API mid-run, so the summary
# and the checks cover failed and stopped jobs too.
set -euo pipefail
cd "$(dirname "$0")/.."

make --no-print-directory services
mkdir -p bin
go build -o bin/lockstep ./cmd/lockstep
bin/lockstep migrate
exec bin/lockstep demo --jobs "${JOBS:-300}" --steps "${STEPS:-3}" --handlers "${HANDLERS:-uppercase}" \
	--fail-probability "${FAIL_PROBABILITY:-0.4}" --stop "${STOP:-10}"
