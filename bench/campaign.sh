#!/bin/bash
# campaign.sh [options] — mpisnap's benchmark campaign on this machine, without a
# scheduler: the body of jobscripts/slurm-bench.sh (mpisnap-bench.sh); --help lists the
# matrix options. Results (CSV, PNG, SVG) go to --out (default ./mpisnap-bench-local).
set -u
mpisnapjob_submit="bench/campaign.sh"
mpisnapjob_home=$(cd "$(dirname "$0")/../jobscripts" && pwd)
sched=local job_id=local workdir=$PWD requeued=0
. "$mpisnapjob_home/mpisnap-bench.sh"
