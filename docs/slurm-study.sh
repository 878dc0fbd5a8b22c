#!/usr/bin/env bash
# A large cutover study as a Slurm job array: each array task runs one shard
# of the replications; a dependent job merges them into the files an unsplit
# run writes (byte for byte).
#
#   docs/slurm-study.sh                   # on the login node: submits the array and the merge
#   ARRAY=1-4 RUNS=200 docs/slurm-study.sh  # a smaller study: 4 shards of 50 runs
#
# Run it as a plain script, not through sbatch: it submits itself as the
# array (`sbatch --array=$ARRAY`), then the merge with an afterok dependency
# on the whole array. ARRAY must be 1-N (optionally with a %limit): task K
# runs shard K/N. SCENARIO, RUNS, SEED, OUT and ARRAY may be set in the
# environment, which sbatch passes on to the jobs. Job logs go to logs/.
#
# Assumes `cutover` is on the PATH of the compute nodes (cargo install --path .)
# and that the working directory is on a shared file system.
# scripts/check-slurm.sh runs this recipe on a single-node Slurm in CI.
#SBATCH --job-name=cutover-study
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=logs/cutover-%A_%a.out
set -euo pipefail

SCENARIO=${SCENARIO:-scenarios/failover-pair.toml}
RUNS=${RUNS:-1000000}
SEED=${SEED:-42}
OUT=${OUT:-results/study}
ARRAY=${ARRAY:-1-16}

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # Not inside the array: submit it, then the merge once every shard succeeded.
  mkdir -p logs
  array=$(sbatch --parsable --array="$ARRAY" "$0")
  array=${array%%;*}
  printf -v out '%q' "$OUT"
  merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=cutover-merge \
    --output=logs/cutover-merge-%j.out --wrap="cutover merge $out/shard-* --out $out/merged")
  merge=${merge%%;*}
  echo "submitted array job $array (tasks $ARRAY) and merge job $merge"
  exit 0
fi

N=${SLURM_ARRAY_TASK_COUNT}
K=${SLURM_ARRAY_TASK_ID}
cutover compare "$SCENARIO" --runs "$RUNS" --seed "$SEED" --shard "$K/$N" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet --out "$OUT/shard-$K"
