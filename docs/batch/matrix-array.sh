#!/bin/bash
# dmagate matrix as a Slurm job array (docs/batch.md): one array task per shard, each writing
# its JSON; a dependent job merges them.
#   mkdir -p shards && jobid=$(sbatch --parsable docs/batch/matrix-array.sh)
#   sbatch --dependency=afterok:$jobid --wrap 'dmagate matrix merge shards/*.json > matrix.json'
# Outside Slurm (a test, or GNU parallel) set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT:
#   seq 0 7 | parallel SLURM_ARRAY_TASK_ID={} SLURM_ARRAY_TASK_COUNT=8 bash docs/batch/matrix-array.sh
#SBATCH --job-name=dmagate-matrix
#SBATCH --array=0-7
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=shards/%A_%a.log
set -euo pipefail
n=${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array (sbatch) or set SLURM_ARRAY_TASK_COUNT}
i=${SLURM_ARRAY_TASK_ID:?run as a Slurm array (sbatch) or set SLURM_ARRAY_TASK_ID}
out=${DMAGATE_SHARD_DIR:-shards}
mkdir -p "$out"
# extra matrix arguments (a scenario file, --iommu ..., --variants ...) from the environment;
# every task of one job must get the same ones, or merge refuses the shards
# shellcheck disable=SC2086
${DMAGATE:-dmagate} matrix --jobs 1 --fail-on never ${DMAGATE_MATRIX_ARGS:-} --shard "$((i + 1))/$n" --json > "$out/shard-$i.json.tmp"
mv "$out/shard-$i.json.tmp" "$out/shard-$i.json"
