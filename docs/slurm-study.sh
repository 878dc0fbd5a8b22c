#!/usr/bin/env bash
# A large cutover study as a Slurm job array: each array task runs one shard
# of the replications; a dependent job merges them into the files an unsplit
# run writes (byte for byte).
#
#   sbatch docs/slurm-study.sh                      # submits the array and the merge
#
# Assumes `cutover` is on the PATH of the compute nodes (cargo install --path .)
# and that the working directory is on a shared file system.
#SBATCH --job-name=cutover-study
#SBATCH --array=1-16
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=logs/cutover-%A_%a.out
set -euo pipefail

SCENARIO=${SCENARIO:-scenarios/failover-pair.toml}
RUNS=${RUNS:-1000000}
SEED=${SEED:-42}
OUT=${OUT:-results/study}

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # Not inside the array: submit it, then the merge once every shard succeeded.
  mkdir -p logs
  array=$(sbatch --parsable "$0")
  sbatch --dependency=afterok:"$array" --job-name=cutover-merge --output=logs/cutover-merge-%j.out \
    --wrap="cutover merge $OUT/shard-* --out $OUT/merged"
  exit 0
fi

N=${SLURM_ARRAY_TASK_COUNT}
K=${SLURM_ARRAY_TASK_ID}
cutover compare "$SCENARIO" --runs "$RUNS" --seed "$SEED" --shard "$K/$N" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet --out "$OUT/shard-$K"
